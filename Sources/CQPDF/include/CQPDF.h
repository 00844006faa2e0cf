// The narrow C interface through which IntakeKit asks libqpdf whether a PDF opens.
//
// Only plain C types cross this header; qpdf's headers are included in qpdf.c alone.
// Nothing here writes a file or prints: qpdf's logger is set to discard everything and
// its errors and warnings are collected, then copied into the result.

#ifndef INTAKE_CQPDF_H
#define INTAKE_CQPDF_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Why a PDF could not be opened, in intake_pdf_result.failure.
#define INTAKE_PDF_OPENED 0          /* read and its page tree walked */
#define INTAKE_PDF_NEEDS_PASSWORD 1  /* encrypted with a non-empty user (open) password */
#define INTAKE_PDF_DAMAGED 2         /* the cross-reference or trailer does not hold */
#define INTAKE_PDF_PAGE_TREE 3       /* the page tree is cyclic or broken */
#define INTAKE_PDF_UNREADABLE 4      /* the file could not be read at all (I/O, memory) */

#define INTAKE_PDF_MESSAGE_LENGTH 512

struct intake_pdf_result {
    /// One of INTAKE_PDF_OPENED ... INTAKE_PDF_UNREADABLE.
    int failure;
    /// 1 when the file has an /Encrypt dictionary (also when it opens without a password).
    int encrypted;
    /// The number of pages, or -1 when the page tree could not be walked.
    int pages;
    /// How many warnings qpdf gave (damage it had to work around), in all.
    int warnings;
    /// How many of them came while walking the page tree (after the file itself was read).
    int page_tree_warnings;
    /// qpdf's error code (enum qpdf_error_code_e) for the error or the first warning, else 0.
    int qpdf_code;
    /// qpdf's text for the error, else for the first warning, else empty; NUL-terminated.
    char message[INTAKE_PDF_MESSAGE_LENGTH];
};

/// Opens a PDF with an empty password, without reconstructing a broken cross-reference,
/// and walks its page tree. Reads the `length` bytes at `bytes` (which must stay valid during
/// the call); qpdf neither copies them nor opens any file.
/// Returns 0 when `out` was filled in, -1 when qpdf could not even be started.
/// Safe to call from several threads at once: every call has its own qpdf object.
int intake_pdf_check(const unsigned char *bytes, size_t length,
                     struct intake_pdf_result *out);

/// The version of libqpdf loaded at run time, e.g. "11.3.0".
const char *intake_qpdf_version(void);

#ifdef __cplusplus
}
#endif

#endif
