// The only file that includes libxml2 (see include/CLibXML2.h for why).

#include "CLibXML2.h"

#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>
#include <libxml/xmlversion.h>

// Enough to explain a broken document; a hostile one cannot grow the list without bound.
#define INTAKE_XML_MAX_ERRORS 32

struct intake_xml_error {
    char *message;
    int line;
    int column;
};

struct intake_xml_doc {
    xmlDocPtr doc;
    int has_doctype;
    long doctype_line;
    char *declared_encoding;
    struct intake_xml_error errors[INTAKE_XML_MAX_ERRORS];
    size_t error_count;
};

static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static pthread_once_t version_once = PTHREAD_ONCE_INIT;
static char version_text[32];

static void init_parser(void) {
    xmlInitParser();
}

void intake_xml_init(void) {
    pthread_once(&init_once, init_parser);
}

static void compute_version(void) {
    // xmlParserVersion is the run-time library's version as digits, e.g. "20914".
    long number = strtol(xmlParserVersion, NULL, 10);
    snprintf(version_text, sizeof version_text, "%ld.%ld.%ld",
             number / 10000, (number / 100) % 100, number % 100);
}

const char *intake_libxml2_version(void) {
    intake_xml_init();
    pthread_once(&version_once, compute_version);
    return version_text;
}

static void record_error(struct intake_xml_doc *result, const xmlError *error) {
    if (result == NULL || error == NULL) return;
    // Warnings (e.g. an unsupported XML version) do not make a document unusable.
    if (error->level < XML_ERR_ERROR) return;
    if (result->error_count >= INTAKE_XML_MAX_ERRORS) return;
    const char *message = error->message != NULL ? error->message : "unknown XML error";
    char *copy = strdup(message);
    if (copy == NULL) return;
    size_t length = strlen(copy);
    while (length > 0 && (copy[length - 1] == '\n' || copy[length - 1] == ' ')) {
        copy[--length] = '\0';
    }
    struct intake_xml_error *slot = &result->errors[result->error_count++];
    slot->message = copy;
    slot->line = error->line;
    slot->column = error->int2;
}

// Errors raised with a parser context arrive here with the context as `data`.
static void context_error_handler(void *data, xmlErrorPtr error) {
    xmlParserCtxtPtr context = (xmlParserCtxtPtr)data;
    record_error(context != NULL ? (struct intake_xml_doc *)context->_private : NULL, error);
}

// Errors raised without a context (encoding, memory) go to the thread's handler,
// installed only for the duration of one parse on this thread.
static void thread_error_handler(void *data, xmlErrorPtr error) {
    record_error((struct intake_xml_doc *)data, error);
}

static void silent_generic_error(void *data, const char *format, ...) {
    (void)data;
    (void)format;
}

// A DOCTYPE is never legitimate in a manifest and is where every entity attack
// starts, so the parse stops right here, before any declaration is read.
static void reject_doctype(void *data, const xmlChar *name, const xmlChar *external_id,
                           const xmlChar *system_id) {
    (void)name;
    (void)external_id;
    (void)system_id;
    xmlParserCtxtPtr context = (xmlParserCtxtPtr)data;
    struct intake_xml_doc *result = (struct intake_xml_doc *)context->_private;
    if (result != NULL) {
        result->has_doctype = 1;
        result->doctype_line = context->input != NULL ? context->input->line : 0;
    }
    xmlStopParser(context);
}

static void ignore_external_subset(void *data, const xmlChar *name, const xmlChar *external_id,
                                   const xmlChar *system_id) {
    (void)data;
    (void)name;
    (void)external_id;
    (void)system_id;
}

struct intake_xml_doc *intake_xml_parse(const uint8_t *bytes, size_t length) {
    intake_xml_init();
    struct intake_xml_doc *result = calloc(1, sizeof *result);
    if (result == NULL) return NULL;
    if (length > INT_MAX) {
        xmlError error;
        memset(&error, 0, sizeof error);
        error.level = XML_ERR_FATAL;
        error.message = (char *)"document too large";
        record_error(result, &error);
        return result;
    }

    xmlParserCtxtPtr context = xmlNewParserCtxt();
    if (context == NULL) {
        free(result);
        return NULL;
    }
    context->_private = result;
    context->sax->serror = context_error_handler;
    context->sax->error = NULL;
    context->sax->warning = NULL;
    context->sax->internalSubset = reject_doctype;
    context->sax->externalSubset = ignore_external_subset;

    xmlStructuredErrorFunc saved_structured = xmlStructuredError;
    void *saved_structured_context = xmlStructuredErrorContext;
    xmlGenericErrorFunc saved_generic = xmlGenericError;
    void *saved_generic_context = xmlGenericErrorContext;
    xmlSetStructuredErrorFunc(result, thread_error_handler);
    xmlSetGenericErrorFunc(NULL, silent_generic_error);

    // No XML_PARSE_NOENT (entities stay unexpanded), no DTDLOAD/DTDATTR/DTDVALID,
    // no HUGE (libxml2 keeps its depth and size limits), no network.
    int options = XML_PARSE_NONET | XML_PARSE_NOCDATA | XML_PARSE_BIG_LINES;
    static const char empty[] = "";
    const char *buffer = bytes != NULL ? (const char *)bytes : empty;
    xmlDocPtr doc = xmlCtxtReadMemory(context, buffer, (int)length, NULL, NULL, options);

    xmlSetStructuredErrorFunc(saved_structured_context, saved_structured);
    xmlSetGenericErrorFunc(saved_generic_context, saved_generic);

    if (doc != NULL && doc->encoding != NULL) {
        result->declared_encoding = strdup((const char *)doc->encoding);
    }
    if (doc != NULL && (doc->intSubset != NULL || doc->extSubset != NULL)) {
        result->has_doctype = 1;
    }
    if (result->has_doctype || result->error_count > 0 || !context->wellFormed) {
        if (doc != NULL) xmlFreeDoc(doc);
        doc = NULL;
    }
    context->_private = NULL;
    xmlFreeParserCtxt(context);
    result->doc = doc;
    return result;
}

void intake_xml_doc_free(struct intake_xml_doc *doc) {
    if (doc == NULL) return;
    for (size_t i = 0; i < doc->error_count; i++) free(doc->errors[i].message);
    free(doc->declared_encoding);
    if (doc->doc != NULL) xmlFreeDoc(doc->doc);
    free(doc);
}

int intake_xml_doc_has_doctype(const struct intake_xml_doc *doc) {
    return doc->has_doctype;
}

long intake_xml_doc_doctype_line(const struct intake_xml_doc *doc) {
    return doc->doctype_line;
}

const char *intake_xml_doc_declared_encoding(const struct intake_xml_doc *doc) {
    return doc->declared_encoding;
}

size_t intake_xml_doc_error_count(const struct intake_xml_doc *doc) {
    return doc->error_count;
}

const char *intake_xml_doc_error_message(const struct intake_xml_doc *doc, size_t index) {
    return index < doc->error_count ? doc->errors[index].message : NULL;
}

int intake_xml_doc_error_line(const struct intake_xml_doc *doc, size_t index) {
    return index < doc->error_count ? doc->errors[index].line : 0;
}

int intake_xml_doc_error_column(const struct intake_xml_doc *doc, size_t index) {
    return index < doc->error_count ? doc->errors[index].column : 0;
}

const struct intake_xml_node *intake_xml_doc_root(const struct intake_xml_doc *doc) {
    if (doc->doc == NULL) return NULL;
    return (const struct intake_xml_node *)xmlDocGetRootElement(doc->doc);
}

static xmlNodePtr as_node(const struct intake_xml_node *node) {
    return (xmlNodePtr)node;
}

const struct intake_xml_node *intake_xml_node_first_child(const struct intake_xml_node *node) {
    return (const struct intake_xml_node *)as_node(node)->children;
}

const struct intake_xml_node *intake_xml_node_next_sibling(const struct intake_xml_node *node) {
    return (const struct intake_xml_node *)as_node(node)->next;
}

int intake_xml_node_kind(const struct intake_xml_node *node) {
    switch (as_node(node)->type) {
    case XML_ELEMENT_NODE: return INTAKE_XML_NODE_ELEMENT;
    case XML_TEXT_NODE:
    case XML_CDATA_SECTION_NODE: return INTAKE_XML_NODE_TEXT;
    case XML_COMMENT_NODE: return INTAKE_XML_NODE_COMMENT;
    case XML_PI_NODE: return INTAKE_XML_NODE_PI;
    case XML_ENTITY_REF_NODE: return INTAKE_XML_NODE_ENTITY_REF;
    default: return INTAKE_XML_NODE_OTHER;
    }
}

const char *intake_xml_node_name(const struct intake_xml_node *node) {
    xmlNodePtr n = as_node(node);
    switch (n->type) {
    case XML_ELEMENT_NODE:
    case XML_PI_NODE:
    case XML_ENTITY_REF_NODE: return (const char *)n->name;
    default: return NULL;
    }
}

const char *intake_xml_node_namespace(const struct intake_xml_node *node) {
    xmlNodePtr n = as_node(node);
    if (n->type != XML_ELEMENT_NODE || n->ns == NULL) return NULL;
    return (const char *)n->ns->href;
}

const char *intake_xml_node_content(const struct intake_xml_node *node) {
    xmlNodePtr n = as_node(node);
    switch (n->type) {
    case XML_TEXT_NODE:
    case XML_CDATA_SECTION_NODE:
    case XML_COMMENT_NODE: return (const char *)n->content;
    default: return NULL;
    }
}

long intake_xml_node_line(const struct intake_xml_node *node) {
    long line = xmlGetLineNo(as_node(node));
    return line > 0 ? line : 0;
}

const struct intake_xml_attr *intake_xml_node_first_attr(const struct intake_xml_node *node) {
    xmlNodePtr n = as_node(node);
    if (n->type != XML_ELEMENT_NODE) return NULL;
    return (const struct intake_xml_attr *)n->properties;
}

const struct intake_xml_attr *intake_xml_attr_next(const struct intake_xml_attr *attr) {
    return (const struct intake_xml_attr *)((xmlAttrPtr)attr)->next;
}

const char *intake_xml_attr_name(const struct intake_xml_attr *attr) {
    return (const char *)((xmlAttrPtr)attr)->name;
}

const char *intake_xml_attr_namespace(const struct intake_xml_attr *attr) {
    xmlAttrPtr a = (xmlAttrPtr)attr;
    return a->ns != NULL ? (const char *)a->ns->href : NULL;
}

char *intake_xml_attr_value(const struct intake_xml_attr *attr) {
    xmlAttrPtr a = (xmlAttrPtr)attr;
    xmlChar *value = xmlNodeListGetString(a->doc, a->children, 1);
    if (value == NULL) {
        // An empty attribute has no text child at all.
        char *empty = malloc(1);
        if (empty != NULL) empty[0] = '\0';
        return empty;
    }
    char *copy = strdup((const char *)value);
    xmlFree(value);
    return copy;
}

void intake_xml_free(char *string) {
    free(string);
}
