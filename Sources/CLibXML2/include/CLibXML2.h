// The narrow C interface through which IntakeKit sees libxml2.
//
// Only plain C types cross this header: libxml2's own headers pull in ICU, which
// clashes with Foundation's ICU module, so they are included in xml.c alone.
// Documents, nodes and attributes are opaque pointers; every string returned
// as `const char *` is UTF-8 owned by its document and valid until
// intake_xml_doc_free, except where a function says the caller frees it.

#ifndef INTAKE_CLIBXML2_H
#define INTAKE_CLIBXML2_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct intake_xml_doc;
struct intake_xml_node;
struct intake_xml_attr;

/// Node kinds returned by intake_xml_node_kind.
#define INTAKE_XML_NODE_OTHER 0
#define INTAKE_XML_NODE_ELEMENT 1
#define INTAKE_XML_NODE_TEXT 2        /* text and CDATA */
#define INTAKE_XML_NODE_COMMENT 3
#define INTAKE_XML_NODE_PI 4
#define INTAKE_XML_NODE_ENTITY_REF 5

/// Initialises libxml2 once per process (xmlInitParser); safe to call from any thread, any number of times.
void intake_xml_init(void);

/// The version of the libxml2 library loaded at run time, e.g. "2.9.14".
const char *intake_libxml2_version(void);

/// Parses an XML document from memory without network access, DTD loading or entity
/// expansion; a DOCTYPE stops the parse at once. Errors are collected per document,
/// never in global state, so documents may be parsed on several threads at once.
/// Returns NULL only when memory runs out. Free the result with intake_xml_doc_free.
struct intake_xml_doc *intake_xml_parse(const uint8_t *bytes, size_t length);
void intake_xml_doc_free(struct intake_xml_doc *doc);

/// 1 when the document has a DOCTYPE (internal or external subset), else 0.
int intake_xml_doc_has_doctype(const struct intake_xml_doc *doc);
/// The line of the DOCTYPE, 0 when unknown.
long intake_xml_doc_doctype_line(const struct intake_xml_doc *doc);
/// The encoding named in the XML declaration, or NULL when none was declared.
const char *intake_xml_doc_declared_encoding(const struct intake_xml_doc *doc);

/// Errors (not warnings) libxml2 reported while parsing, in order; at most a few dozen are kept.
size_t intake_xml_doc_error_count(const struct intake_xml_doc *doc);
const char *intake_xml_doc_error_message(const struct intake_xml_doc *doc, size_t index);
/// 1-based line and column of an error, 0 when unknown.
int intake_xml_doc_error_line(const struct intake_xml_doc *doc, size_t index);
int intake_xml_doc_error_column(const struct intake_xml_doc *doc, size_t index);

/// The root element, or NULL when the document is not well-formed or was stopped.
const struct intake_xml_node *intake_xml_doc_root(const struct intake_xml_doc *doc);

const struct intake_xml_node *intake_xml_node_first_child(const struct intake_xml_node *node);
const struct intake_xml_node *intake_xml_node_next_sibling(const struct intake_xml_node *node);
int intake_xml_node_kind(const struct intake_xml_node *node);
/// The local name of an element (or PI, entity reference); NULL for other kinds.
const char *intake_xml_node_name(const struct intake_xml_node *node);
/// The namespace URI of an element, NULL when it has none.
const char *intake_xml_node_namespace(const struct intake_xml_node *node);
/// The content of a text, CDATA or comment node; NULL for other kinds.
const char *intake_xml_node_content(const struct intake_xml_node *node);
/// The 1-based source line where the node starts, 0 when unknown.
long intake_xml_node_line(const struct intake_xml_node *node);

const struct intake_xml_attr *intake_xml_node_first_attr(const struct intake_xml_node *node);
const struct intake_xml_attr *intake_xml_attr_next(const struct intake_xml_attr *attr);
const char *intake_xml_attr_name(const struct intake_xml_attr *attr);
/// The namespace URI of an attribute, NULL when it has none.
const char *intake_xml_attr_namespace(const struct intake_xml_attr *attr);
/// The attribute's value; the caller frees it with intake_xml_free. NULL when memory runs out.
char *intake_xml_attr_value(const struct intake_xml_attr *attr);

void intake_xml_free(char *string);

#ifdef __cplusplus
}
#endif

#endif
