/*
 * Sizes of the fixed buffers that several modules fill with the same kind of text: a number
 * written out, a name from the data, a value of the value index. One name per kind says what a
 * buffer holds, and the same thing is cut at the same length in every module. A buffer only one
 * function uses is sized next to it instead; error messages are sized in base/error.h, a measure's
 * words in base/shape.h.
 *
 * Nothing here allocates; include it where a buffer is declared.
 */
#ifndef SQ_BASE_LIMITS_H
#define SQ_BASE_LIMITS_H

enum {
    /* A number as text: a double as sq_format_double writes it (%.17g at most: a sign, 17
     * digits, a point and "e-308", 24 bytes), a 64-bit integer (a sign and 19 digits), or a
     * table cell's number with grouping commas, with its NUL and room to spare. */
    SQ_NUM_TEXT_MAX = 40,
    /* A name from the data or the SQL (a view, column, alias or function name), or such a
     * name in words ("order date"), as a fixed buffer holds it. Names come from the files'
     * headers and have no limit of their own: a longer one is cut where it is only shown,
     * and refused where it must be exact. */
    SQ_NAME_MAX = 128,
    /* The longest value the value index keeps, in characters (DuckDB's length()): ingest/
     * writes the index and the lexicon matches words against it. In UTF-8 a character
     * takes up to 4 bytes. */
    SQ_INDEX_VALUE_CHARS = 200,
};

#endif
