import CLibXML2

/// Facts about the XML library, for `intake doctor`.
public enum XMLSupport {
    /// The version of the libxml2 library loaded at run time, e.g. "2.9.14".
    public static var libxml2Version: String {
        String(cString: intake_libxml2_version())
    }

    /// Initialises libxml2; parsing does this itself, so calling it is optional (it is idempotent).
    public static func initialize() {
        intake_xml_init()
    }

    /// Checks that libxml2 parses a small document and stops at a DOCTYPE, as manifests need.
    /// - Returns: Nil when it works, else one sentence saying what failed (for `intake doctor`).
    public static func selfTest() -> String? {
        let sample = Array(#"<application schema="x"><community>ok</community></application>"#.utf8)
        guard let document = LibXMLDocument(parsing: sample[...]) else {
            return "libxml2 could not allocate a parser"
        }
        if let error = document.errors.first {
            return "libxml2 rejected a well-formed test document: \(error.message)"
        }
        guard let root = document.root, root.name == "application",
            root.attributes.map(\.value) == ["x"],
            root.children.first?.children.first?.content == "ok"
        else {
            return "libxml2 did not return the test document's elements"
        }
        let hostile = Array(#"<!DOCTYPE a [<!ENTITY x "y">]><a>&x;</a>"#.utf8)
        guard let stopped = LibXMLDocument(parsing: hostile[...]), stopped.hasDoctype, stopped.root == nil else {
            return "libxml2 did not stop at a DOCTYPE"
        }
        return nil
    }
}

/// A parsed XML document, read through the narrow C API of the `CLibXML2` target.
///
/// Named `LibXMLDocument` rather than `XMLDocument` so it never meets Foundation's
/// `XMLDocument` on macOS. The parse has no network access, loads no DTD, expands no entity
/// and stops at any DOCTYPE; its errors belong to this document alone.
final class LibXMLDocument {
    struct ParseError {
        var message: String
        var line: Int?
        var column: Int?
    }

    private let handle: OpaquePointer

    /// Parses `bytes`; nil only when memory runs out.
    init?(parsing bytes: ArraySlice<UInt8>) {
        guard let handle = bytes.withUnsafeBufferPointer({ intake_xml_parse($0.baseAddress, $0.count) }) else {
            return nil
        }
        self.handle = handle
    }

    deinit {
        intake_xml_doc_free(handle)
    }

    /// True when the document has a DOCTYPE; the parse stopped there.
    var hasDoctype: Bool { intake_xml_doc_has_doctype(handle) != 0 }

    var doctypeLine: Int? { positive(intake_xml_doc_doctype_line(handle)) }

    /// The encoding named in the XML declaration, if any.
    var declaredEncoding: String? { intake_xml_doc_declared_encoding(handle).map { String(cString: $0) } }

    /// The errors libxml2 reported, in order (warnings are not kept).
    var errors: [ParseError] {
        (0..<intake_xml_doc_error_count(handle)).map { index in
            ParseError(
                message: intake_xml_doc_error_message(handle, index).map { String(cString: $0) } ?? "unknown error",
                line: positive(intake_xml_doc_error_line(handle, index)),
                column: positive(intake_xml_doc_error_column(handle, index)))
        }
    }

    /// The root element; nil when the document was not well-formed or had a DOCTYPE.
    var root: LibXMLNode? {
        intake_xml_doc_root(handle).map { LibXMLNode(pointer: $0, document: self) }
    }
}

/// A node of a ``LibXMLDocument``; it keeps its document alive.
struct LibXMLNode {
    enum Kind {
        case element
        case text
        case comment
        case processingInstruction
        case entityReference
        case other
    }

    struct Attribute {
        var name: String
        var namespace: String?
        var value: String
    }

    fileprivate let pointer: OpaquePointer
    fileprivate let document: LibXMLDocument

    var kind: Kind {
        switch intake_xml_node_kind(pointer) {
        case INTAKE_XML_NODE_ELEMENT: .element
        case INTAKE_XML_NODE_TEXT: .text
        case INTAKE_XML_NODE_COMMENT: .comment
        case INTAKE_XML_NODE_PI: .processingInstruction
        case INTAKE_XML_NODE_ENTITY_REF: .entityReference
        default: .other
        }
    }

    /// The local name of an element, processing instruction or entity reference; "" otherwise.
    var name: String { intake_xml_node_name(pointer).map { String(cString: $0) } ?? "" }

    /// The namespace URI of an element, if it has one.
    var namespace: String? { intake_xml_node_namespace(pointer).map { String(cString: $0) } }

    /// The text of a text or comment node; "" otherwise.
    var content: String { intake_xml_node_content(pointer).map { String(cString: $0) } ?? "" }

    var line: Int? { positive(intake_xml_node_line(pointer)) }

    var children: [LibXMLNode] {
        var result: [LibXMLNode] = []
        var next = intake_xml_node_first_child(pointer)
        while let child = next {
            result.append(LibXMLNode(pointer: child, document: document))
            next = intake_xml_node_next_sibling(child)
        }
        return result
    }

    var attributes: [Attribute] {
        var result: [Attribute] = []
        var next = intake_xml_node_first_attr(pointer)
        while let attribute = next {
            let raw = intake_xml_attr_value(attribute)
            defer { intake_xml_free(raw) }
            result.append(
                Attribute(
                    name: String(cString: intake_xml_attr_name(attribute)),
                    namespace: intake_xml_attr_namespace(attribute).map { String(cString: $0) },
                    value: raw.map { String(cString: $0) } ?? ""))
            next = intake_xml_attr_next(attribute)
        }
        return result
    }
}

private func positive(_ value: some BinaryInteger) -> Int? {
    value > 0 ? Int(value) : nil
}
