// CICU: the only place Lianlu touches ICU's C API.
//
// Why a shim: Foundation on Linux carries its own ICU module (_FoundationICU) whose C
// types clash with the system <unicode/*.h> when both are visible to one Swift file.
// This header therefore exposes plain C types only (uint16_t for UTF-16 code units,
// int32_t for lengths and ICU status codes, void* for opaque ICU objects); the ICU
// headers are included by shim.c alone.
//
// Conventions: every function that can fail takes `int32_t *status`, an ICU UErrorCode
// (0 = success, negative = warning, positive = failure). Lengths are UTF-16 code units.
#ifndef LIANLU_CICU_H
#define LIANLU_CICU_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Human-readable name of an ICU status code ("U_ILLEGAL_CHAR_FOUND", ...).
const char *lianlu_error_name(int32_t status);

// MARK: Charset detection and conversion

/// Runs ICU's charset detector over `bytes` and writes up to `maxMatches` candidate
/// names (NUL-terminated, each in a slot of `nameStride` bytes of `names`) with their
/// confidence (0-100), best first. Returns the number of candidates written.
int32_t lianlu_detect_charsets(const char *bytes, int32_t length,
                               char *names, int32_t nameStride,
                               int32_t *confidences, int32_t maxMatches,
                               int32_t *status);

/// Converts `length` bytes in `charset` to UTF-16, stopping at the first byte sequence
/// that is illegal or unmapped in that charset. Returns the number of UTF-16 units
/// written to `dest` (capacity `destCapacity`; 2 * length + 2 is always enough).
/// On an illegal sequence, *status is a failure and *errorOffset is the byte offset of
/// the offending sequence; otherwise *errorOffset is -1.
int32_t lianlu_convert_to_utf16(const char *charset, const char *bytes, int32_t length,
                                uint16_t *dest, int32_t destCapacity,
                                int32_t *errorOffset, int32_t *status);

// MARK: Normalization (NFKC)

/// The shared NFKC normalizer instance (owned by ICU, never freed, thread-safe).
const void *lianlu_nfkc(int32_t *status);
/// Length of the prefix of `text` that is certainly already normalized.
int32_t lianlu_norm_span_quick_check_yes(const void *normalizer, const uint16_t *text,
                                         int32_t length, int32_t *status);
/// 1 when normalization never interacts across a boundary before `codePoint`.
int32_t lianlu_norm_has_boundary_before(const void *normalizer, int32_t codePoint);
/// Normalizes `text` into `dest`; returns the output length (which may exceed
/// `destCapacity`, with a U_BUFFER_OVERFLOW_ERROR status, as ICU does).
int32_t lianlu_normalize(const void *normalizer, const uint16_t *text, int32_t length,
                         uint16_t *dest, int32_t destCapacity, int32_t *status);

// MARK: Transliteration

/// Opens a transliterator by ICU id (UTF-16), e.g. "Traditional-Simplified".
void *lianlu_transliterator_open(const uint16_t *id, int32_t idLength, int32_t *status);
void lianlu_transliterator_close(void *transliterator);
/// Writes the transliterator's rules (UTF-16) into `dest`; returns their length (which
/// may exceed `capacity`, with a U_BUFFER_OVERFLOW_ERROR status).
int32_t lianlu_transliterator_rules(void *transliterator, uint16_t *dest, int32_t capacity,
                                    int32_t *status);
/// Transliterates `text` in place. `*length` is updated; `capacity` bounds growth.
void lianlu_transliterate(void *transliterator, uint16_t *text, int32_t *length,
                          int32_t capacity, int32_t *status);

// MARK: Break iteration

enum {
    LIANLU_BREAK_CHARACTER = 0,
    LIANLU_BREAK_WORD = 1,
    LIANLU_BREAK_LINE = 2,
    LIANLU_BREAK_SENTENCE = 3
};

/// Opens a break iterator of the given kind for `locale` (e.g. "zh").
void *lianlu_break_open(int32_t kind, const char *locale, int32_t *status);
/// A cheap copy for another thread (break iterators are not thread-safe).
void *lianlu_break_clone(const void *breaker, int32_t *status);
void lianlu_break_close(void *breaker);
/// Points the iterator at `text` (not copied: it must outlive the iteration).
void lianlu_break_set_text(void *breaker, const uint16_t *text, int32_t length,
                           int32_t *status);
/// Next boundary after the current one, or -1 when done. Offsets are relative to the text.
int32_t lianlu_break_next(void *breaker);
/// Rule status of the boundary most recently returned (word iterators: letter, ideo...).
int32_t lianlu_break_rule_status(void *breaker);

// MARK: Regular expressions

/// Compiles an ICU regular expression (UTF-16). On a syntax error *status is a failure
/// and *errorOffset the UTF-16 offset in the pattern where ICU gave up.
void *lianlu_regex_open(const uint16_t *pattern, int32_t length, int32_t *errorOffset,
                        int32_t *status);
/// A copy for another thread (one compiled pattern, one clone per worker).
void *lianlu_regex_clone(const void *regex, int32_t *status);
void lianlu_regex_close(void *regex);
/// Bounds the work of one match (in ICU's steps of roughly a few milliseconds each, as
/// ICU defines them); a match that exceeds it fails with U_REGEX_TIME_OUT.
void lianlu_regex_set_time_limit(void *regex, int32_t limit, int32_t *status);
/// Points the regex at `text` (not copied).
void lianlu_regex_set_text(void *regex, const uint16_t *text, int32_t length, int32_t *status);
/// Matches anchored at `start` within [start, limit); returns the match end, or -1 when
/// it does not match. A time-out sets *status to U_REGEX_TIME_OUT (and returns -1).
int32_t lianlu_regex_looking_at(void *regex, int32_t start, int32_t limit, int32_t *status);

#ifdef __cplusplus
}
#endif

#endif
