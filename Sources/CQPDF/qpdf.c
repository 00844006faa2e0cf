// The only file that includes qpdf's headers (see include/CQPDF.h).

#include "CQPDF.h"

#include <stdio.h>
#include <string.h>

#include <qpdf/qpdf-c.h>
#include <qpdf/qpdflogger-c.h>

// qpdf's message without the file name (a path under work/ means nothing to anyone),
// with the byte it concerns when qpdf knows it.
static void copy_message(struct intake_pdf_result *out, qpdf_data q, qpdf_error e) {
    const char *text = e ? qpdf_get_error_message_detail(q, e) : NULL;
    unsigned long long at = e ? qpdf_get_error_file_position(q, e) : 0;
    if (at > 0) {
        snprintf(out->message, sizeof out->message, "%s (at byte %llu)", text ? text : "", at);
    } else {
        snprintf(out->message, sizeof out->message, "%s", text ? text : "");
    }
}

// Counts the warnings qpdf has given so far; the first one's code and text are kept
// unless an error's already are.
static void drain_warnings(qpdf_data q, struct intake_pdf_result *out) {
    while (qpdf_more_warnings(q)) {
        qpdf_error w = qpdf_next_warning(q);
        if (!w) break;
        if (out->warnings == 0 && out->message[0] == 0) {
            out->qpdf_code = (int)qpdf_get_error_code(q, w);
            copy_message(out, q, w);
        }
        out->warnings += 1;
    }
}

const char *intake_qpdf_version(void) { return qpdf_get_qpdf_version(); }

int intake_pdf_check(const unsigned char *bytes, size_t length,
                     struct intake_pdf_result *out) {
    memset(out, 0, sizeof *out);
    out->pages = -1;
    qpdf_data q = qpdf_init();
    if (!q) return -1;
    // Errors are handled here, never printed; warnings are kept for qpdf_next_warning.
    qpdf_silence_errors(q);
    qpdf_set_suppress_warnings(q, QPDF_TRUE);
    qpdflogger_handle logger = qpdflogger_create();
    if (logger) {
        qpdflogger_set_info(logger, qpdf_log_dest_discard, NULL, NULL);
        qpdflogger_set_warn(logger, qpdf_log_dest_discard, NULL, NULL);
        qpdflogger_set_error(logger, qpdf_log_dest_discard, NULL, NULL);
        qpdf_set_logger(q, logger);
        qpdflogger_cleanup(&logger);
    }
    // A cross-reference that does not hold is a finding, not something to rebuild.
    qpdf_set_attempt_recovery(q, QPDF_FALSE);

    QPDF_ERROR_CODE rc = qpdf_read_memory(q, "upload", (const char *)bytes, (unsigned long long)length, "");
    if (rc & QPDF_ERRORS) {
        qpdf_error e = qpdf_get_error(q);
        int code = e ? (int)qpdf_get_error_code(q, e) : 0;
        out->qpdf_code = code;
        copy_message(out, q, e);
        out->failure = code == qpdf_e_password ? INTAKE_PDF_NEEDS_PASSWORD
                     : code == qpdf_e_system ? INTAKE_PDF_UNREADABLE
                     : INTAKE_PDF_DAMAGED;
        // A file whose user password is needed is encrypted by definition.
        out->encrypted = code == qpdf_e_password;
    } else {
        out->encrypted = qpdf_is_encrypted(q) ? 1 : 0;
        drain_warnings(q, out);
        int read_warnings = out->warnings;
        int pages = qpdf_get_num_pages(q);
        drain_warnings(q, out);
        out->page_tree_warnings = out->warnings - read_warnings;
        out->pages = pages;
        if (pages < 0) {
            qpdf_error e = qpdf_get_error(q);
            out->qpdf_code = e ? (int)qpdf_get_error_code(q, e) : 0;
            copy_message(out, q, e);
            // Objects are read lazily: an xref entry that points at the wrong byte shows only
            // when the page tree is walked, as damage rather than as a pages error.
            out->failure = out->qpdf_code == qpdf_e_pages || out->qpdf_code == qpdf_e_object
                         ? INTAKE_PDF_PAGE_TREE : INTAKE_PDF_DAMAGED;
        }
    }
    drain_warnings(q, out);
    qpdf_cleanup(&q);
    return 0;
}
