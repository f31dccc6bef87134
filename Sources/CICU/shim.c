// The implementation side of CICU.h: thin wrappers, no policy. Policy (which charset
// to trust, when to transliterate, how to fix sentence boundaries) lives in Swift.
#include "CICU.h"

#include <string.h>
#include <unicode/ubrk.h>
#include <unicode/ucnv.h>
#include <unicode/ucsdet.h>
#include <unicode/unorm2.h>
#include <unicode/uregex.h>
#include <unicode/utrans.h>
#include <unicode/utypes.h>

const char *lianlu_error_name(int32_t status) { return u_errorName((UErrorCode)status); }

int32_t lianlu_detect_charsets(const char *bytes, int32_t length, char *names,
                               int32_t nameStride, int32_t *confidences, int32_t maxMatches,
                               int32_t *status) {
    UErrorCode err = U_ZERO_ERROR;
    UCharsetDetector *det = ucsdet_open(&err);
    if (U_FAILURE(err)) { *status = err; return 0; }
    ucsdet_setText(det, bytes, length, &err);
    int32_t found = 0;
    const UCharsetMatch **matches = ucsdet_detectAll(det, &found, &err);
    int32_t written = 0;
    if (U_SUCCESS(err)) {
        for (int32_t i = 0; i < found && written < maxMatches; i++) {
            UErrorCode e2 = U_ZERO_ERROR;
            const char *name = ucsdet_getName(matches[i], &e2);
            int32_t conf = ucsdet_getConfidence(matches[i], &e2);
            if (U_FAILURE(e2) || name == NULL) continue;
            strncpy(names + (size_t)written * nameStride, name, (size_t)nameStride - 1);
            names[(size_t)written * nameStride + nameStride - 1] = 0;
            confidences[written] = conf;
            written++;
        }
    }
    ucsdet_close(det);
    *status = err;
    return written;
}

int32_t lianlu_convert_to_utf16(const char *charset, const char *bytes, int32_t length,
                                uint16_t *dest, int32_t destCapacity,
                                int32_t *errorOffset, int32_t *status) {
    UErrorCode err = U_ZERO_ERROR;
    *errorOffset = -1;
    UConverter *cnv = ucnv_open(charset, &err);
    if (U_FAILURE(err)) { *status = err; return 0; }
    // Stop (do not substitute) on illegal or unmapped input: a document we cannot
    // decode faithfully is rejected with the offset, never silently altered.
    ucnv_setToUCallBack(cnv, UCNV_TO_U_CALLBACK_STOP, NULL, NULL, NULL, &err);
    UChar *target = (UChar *)dest;
    const char *source = bytes;
    ucnv_toUnicode(cnv, &target, (UChar *)dest + destCapacity, &source, bytes + length,
                   NULL, 1, &err);
    if (U_FAILURE(err)) {
        char invalid[32];
        int8_t invalidLength = (int8_t)sizeof(invalid);
        UErrorCode e2 = U_ZERO_ERROR;
        ucnv_getInvalidChars(cnv, invalid, &invalidLength, &e2);
        if (U_FAILURE(e2)) invalidLength = 0;
        *errorOffset = (int32_t)(source - bytes) - invalidLength;
    }
    ucnv_close(cnv);
    *status = err;
    return (int32_t)(target - (UChar *)dest);
}

const void *lianlu_nfkc(int32_t *status) {
    UErrorCode err = U_ZERO_ERROR;
    const UNormalizer2 *n = unorm2_getNFKCInstance(&err);
    *status = err;
    return n;
}

int32_t lianlu_norm_span_quick_check_yes(const void *normalizer, const uint16_t *text,
                                         int32_t length, int32_t *status) {
    UErrorCode err = U_ZERO_ERROR;
    int32_t n = unorm2_spanQuickCheckYes((const UNormalizer2 *)normalizer,
                                         (const UChar *)text, length, &err);
    *status = err;
    return n;
}

int32_t lianlu_norm_has_boundary_before(const void *normalizer, int32_t codePoint) {
    return unorm2_hasBoundaryBefore((const UNormalizer2 *)normalizer, (UChar32)codePoint) ? 1 : 0;
}

int32_t lianlu_normalize(const void *normalizer, const uint16_t *text, int32_t length,
                         uint16_t *dest, int32_t destCapacity, int32_t *status) {
    UErrorCode err = U_ZERO_ERROR;
    int32_t n = unorm2_normalize((const UNormalizer2 *)normalizer, (const UChar *)text,
                                 length, (UChar *)dest, destCapacity, &err);
    *status = err;
    return n;
}

void *lianlu_transliterator_open(const uint16_t *id, int32_t idLength, int32_t *status) {
    UErrorCode err = U_ZERO_ERROR;
    UTransliterator *t = utrans_openU((const UChar *)id, idLength, UTRANS_FORWARD, NULL, 0,
                                      NULL, &err);
    *status = err;
    return t;
}

void lianlu_transliterator_close(void *transliterator) {
    if (transliterator) utrans_close((UTransliterator *)transliterator);
}

int32_t lianlu_transliterator_rules(void *transliterator, uint16_t *dest, int32_t capacity,
                                    int32_t *status) {
    UErrorCode err = U_ZERO_ERROR;
    int32_t n = utrans_toRules((const UTransliterator *)transliterator, 0, (UChar *)dest, capacity, &err);
    *status = err;
    return n;
}

void lianlu_transliterate(void *transliterator, uint16_t *text, int32_t *length,
                          int32_t capacity, int32_t *status) {
    UErrorCode err = U_ZERO_ERROR;
    int32_t limit = *length;
    utrans_transUChars((const UTransliterator *)transliterator, (UChar *)text, length,
                       capacity, 0, &limit, &err);
    *status = err;
}

void *lianlu_break_open(int32_t kind, const char *locale, int32_t *status) {
    UErrorCode err = U_ZERO_ERROR;
    UBreakIteratorType type = UBRK_SENTENCE;
    switch (kind) {
    case LIANLU_BREAK_CHARACTER: type = UBRK_CHARACTER; break;
    case LIANLU_BREAK_WORD: type = UBRK_WORD; break;
    case LIANLU_BREAK_LINE: type = UBRK_LINE; break;
    default: type = UBRK_SENTENCE; break;
    }
    UBreakIterator *b = ubrk_open(type, locale, NULL, 0, &err);
    *status = err;
    return b;
}

void *lianlu_break_clone(const void *breaker, int32_t *status) {
    UErrorCode err = U_ZERO_ERROR;
    UBreakIterator *b = ubrk_clone((const UBreakIterator *)breaker, &err);
    *status = err;
    return b;
}

void lianlu_break_close(void *breaker) {
    if (breaker) ubrk_close((UBreakIterator *)breaker);
}

void lianlu_break_set_text(void *breaker, const uint16_t *text, int32_t length,
                           int32_t *status) {
    UErrorCode err = U_ZERO_ERROR;
    ubrk_setText((UBreakIterator *)breaker, (const UChar *)text, length, &err);
    *status = err;
}

int32_t lianlu_break_next(void *breaker) {
    int32_t n = ubrk_next((UBreakIterator *)breaker);
    return n == UBRK_DONE ? -1 : n;
}

int32_t lianlu_break_rule_status(void *breaker) {
    return ubrk_getRuleStatus((UBreakIterator *)breaker);
}

void *lianlu_regex_open(const uint16_t *pattern, int32_t length, int32_t *errorOffset,
                        int32_t *status) {
    UErrorCode err = U_ZERO_ERROR;
    UParseError pe;
    URegularExpression *re = uregex_open((const UChar *)pattern, length, 0, &pe, &err);
    *errorOffset = pe.offset;
    *status = err;
    return re;
}

void *lianlu_regex_clone(const void *regex, int32_t *status) {
    UErrorCode err = U_ZERO_ERROR;
    URegularExpression *re = uregex_clone((const URegularExpression *)regex, &err);
    *status = err;
    return re;
}

void lianlu_regex_close(void *regex) {
    if (regex) uregex_close((URegularExpression *)regex);
}

void lianlu_regex_set_time_limit(void *regex, int32_t limit, int32_t *status) {
    UErrorCode err = U_ZERO_ERROR;
    uregex_setTimeLimit((URegularExpression *)regex, limit, &err);
    *status = err;
}

void lianlu_regex_set_text(void *regex, const uint16_t *text, int32_t length, int32_t *status) {
    UErrorCode err = U_ZERO_ERROR;
    uregex_setText((URegularExpression *)regex, (const UChar *)text, length, &err);
    *status = err;
}

int32_t lianlu_regex_looking_at(void *regex, int32_t start, int32_t limit, int32_t *status) {
    UErrorCode err = U_ZERO_ERROR;
    URegularExpression *re = (URegularExpression *)regex;
    // Transparent bounds let look-behind see text before the region; anchoring bounds
    // off so ^ and $ keep their whole-text meaning.
    uregex_setRegion(re, start, limit, &err);
    uregex_useTransparentBounds(re, 1, &err);
    uregex_useAnchoringBounds(re, 0, &err);
    UBool found = uregex_lookingAt(re, -1, &err);
    int32_t end = -1;
    if (U_SUCCESS(err) && found) end = uregex_end(re, 0, &err);
    *status = err;
    return U_SUCCESS(err) ? end : -1;
}
