/*
 * Internal to llm/: text helpers that reply.c and http.c share.
 */
#ifndef SQ_LLM_INTERNAL_H
#define SQ_LLM_INTERNAL_H

#include <stddef.h>

enum {
    /* Bytes of a model server's own words (an error or a refusal) repeated in a message. */
    LLM__SHOWN_TEXT = 200,
    /* A buffer they are copied into for llm__clean_text: longer than the cut, so that a cut
     * is seen and marked with "...". */
    LLM__SHOWN_TEXT_BUF = LLM__SHOWN_TEXT + 40,
    LLM__SHOWN_JSON_ERROR = 120, /* bytes of jansson's word on a reply that is not JSON */
};

/* Replaces control characters with spaces and cuts s to at most max bytes (at a UTF-8
 * boundary, ending in "..."), in place: text from the network made fit for a message. */
void llm__clean_text(char *s, size_t max);
/* The "error.message" of an error body, cleaned, into out ("" when there is none). */
void llm__error_message(const char *body, size_t len, char *out, size_t size);

#endif
