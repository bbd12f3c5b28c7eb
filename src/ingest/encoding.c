/*
 * Encoding detection and transcoding for CSV files (see ingest/encoding.h and
 * docs/internals/encoding.md). The loader (ingest/load.c) asks enc_detect_file what a file
 * is and calls enc_transcode_file when DuckDB cannot read it as it is. This file calls
 * uchardet for a first guess, glibc iconv for every decoding (a byte table per candidate
 * code page, and the streaming conversion), and gzip(1) through a pipe for .gz input.
 *
 * Detection in one pass over the bytes: byte-order marks and the NUL pattern of UTF-16
 * come from the first 4 KB; a UTF-8 validator runs over every byte >= 0x80; each such
 * byte is counted with its two neighbours (a "trigram", the neighbours reduced to a class
 * when they are ASCII). When the text is neither ASCII nor valid UTF-8, every candidate
 * code page decodes the trigrams and is scored on how plausible the characters it gives
 * are next to their neighbours; the best score wins (see rank_candidates).
 */
#include "ingest/encoding.h"

#include "base/error.h"
#include "base/limits.h"
#include "base/mem.h"

#include <uchardet.h>

#include <errno.h>
#include <fcntl.h>
#include <iconv.h>
#include <inttypes.h>
#include <pthread.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

/* ---------------------------------------------------------------------------------------
 * Names
 */

struct alias {
    const char *key;   /* lower case, without '-', '_', '.', ' ' */
    const char *iconv; /* the name handed to iconv_open */
};

static const struct alias ALIASES[] = {
    {"utf8", "UTF-8"},          {"utf8sig", "UTF-8"},
    {"utf8bom", "UTF-8"},       {"ascii", "UTF-8"},
    {"usascii", "UTF-8"},       {"utf16", "UTF-16"},
    {"utf16le", "UTF-16LE"},    {"utf16be", "UTF-16BE"},
    {"utf32", "UTF-32"},        {"utf32le", "UTF-32LE"},
    {"utf32be", "UTF-32BE"},    {"cp1252", "CP1252"},
    {"windows1252", "CP1252"},  {"win1252", "CP1252"},
    {"ansi", "CP1252"},         {"latin1", "ISO-8859-1"},
    {"iso88591", "ISO-8859-1"}, {"l1", "ISO-8859-1"},
    {"latin9", "ISO-8859-15"},  {"iso885915", "ISO-8859-15"},
    {"l9", "ISO-8859-15"},      {"cp850", "CP850"},
    {"ibm850", "CP850"},        {"dos850", "CP850"},
    {"cp858", "CP858"},         {"ibm858", "CP858"},
    {"cp437", "CP437"},         {"ibm437", "CP437"},
    {"dos437", "CP437"},        {"cp1250", "CP1250"},
    {"windows1250", "CP1250"},  {"win1250", "CP1250"},
    {"latin2", "ISO-8859-2"},   {"iso88592", "ISO-8859-2"},
    {"cp852", "CP852"},         {"ibm852", "CP852"},
    {"cp1251", "CP1251"},       {"windows1251", "CP1251"},
    {"koi8r", "KOI8-R"},        {"cp1253", "CP1253"},
    {"windows1253", "CP1253"},  {"cp1254", "CP1254"},
    {"windows1254", "CP1254"},  {"cp1257", "CP1257"},
    {"windows1257", "CP1257"},  {"macintosh", "MACINTOSH"},
    {"mac", "MACINTOSH"},       {"macroman", "MACINTOSH"},
    {"xmacroman", "MACINTOSH"}, {"shiftjis", "SHIFT_JIS"},
    {"sjis", "SHIFT_JIS"},      {"cp932", "CP932"},
    {"windows31j", "CP932"},    {"eucjp", "EUC-JP"},
    {"gb18030", "GB18030"},     {"gbk", "GBK"},
    {"gb2312", "GB18030"},      {"big5", "BIG5"},
    {"euckr", "EUC-KR"},        {"cp949", "CP949"},
};

static const char ACCEPTED[] =
    "utf-8, utf-16, utf-16le, utf-16be, utf-32, utf-32le, utf-32be, ascii, "
    "cp1252 (windows-1252, ansi), latin-1 (iso-8859-1), latin-9 (iso-8859-15), cp850, cp858, "
    "cp437, cp1250 (windows-1250), latin-2 (iso-8859-2), cp852, cp1251, koi8-r, cp1253, "
    "cp1254, cp1257, mac-roman (macintosh), shift_jis, cp932, euc-jp, gb18030, gbk, big5, "
    "euc-kr, cp949";

const char *enc_accepted_names(void)
{
    return ACCEPTED;
}

int enc_normalize_name(const char *alias, char *out, size_t n)
{
    char key[ENC_NAME_MAX];
    size_t k = 0;
    if (!alias)
        return SQ_E_NOT_FOUND;
    for (const char *s = alias; *s; s++) {
        char c = *s;
        if (c == '-' || c == '_' || c == '.' || c == ' ')
            continue;
        if (k + 1 >= sizeof key)
            return SQ_E_NOT_FOUND;
        key[k++] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
    }
    key[k] = '\0';
    for (size_t i = 0; i < sizeof ALIASES / sizeof ALIASES[0]; i++) {
        if (strcmp(ALIASES[i].key, key) != 0)
            continue;
        if (strlen(ALIASES[i].iconv) + 1 > n)
            return SQ_E_TOO_BIG;
        memcpy(out, ALIASES[i].iconv, strlen(ALIASES[i].iconv) + 1);
        return 0;
    }
    return SQ_E_NOT_FOUND;
}

/* The short lower-case name people know an iconv name by, for detail strings. */
static void label_of(const char *iconv_name, char *out, size_t n)
{
    static const struct alias LABELS[] = {
        {"ISO-8859-1", "latin-1"},
        {"ISO-8859-15", "latin-9"},
        {"MACINTOSH", "mac-roman"},
    };
    for (size_t i = 0; i < sizeof LABELS / sizeof LABELS[0]; i++)
        if (strcmp(LABELS[i].key, iconv_name) == 0) {
            snprintf(out, n, "%s", LABELS[i].iconv);
            return;
        }
    size_t k = 0;
    for (; iconv_name[k] && k + 1 < n; k++) {
        char c = iconv_name[k];
        out[k] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
    }
    if (n)
        out[k] = '\0';
}

static void set_name(struct enc_result *r, const char *name)
{
    snprintf(r->name, sizeof r->name, "%s", name);
}

/* ---------------------------------------------------------------------------------------
 * What a character is: the classes the plausibility score talks about
 */

enum cls {
    K_EDGE,    /* ASCII space, tab, CR, LF, or the start/end of the text */
    K_LOWER,   /* a lower-case letter */
    K_UPPER,   /* an upper-case letter */
    K_LETTER,  /* a letter of a script without case (CJK, Hebrew, Arabic, Thai) */
    K_DIGIT,   /* 0-9 */
    K_PUNCT,   /* ASCII punctuation, including the CSV delimiters and quotes */
    K_SPACE,   /* no-break space and the other Unicode spaces */
    K_QUOTE,   /* typographic quotes and apostrophes */
    K_DASH,    /* en and em dashes */
    K_SYM,     /* symbols real text uses: currency, (c), degree, fractions, bullets */
    K_RARE,    /* symbols real text hardly uses: currency sign, broken bar, spacing accents */
    K_SHY,     /* the soft hyphen */
    K_MARK,    /* a combining mark */
    K_GRAPHIC, /* box drawing, blocks, arrows, technical signs: DOS screen art */
    K_CTRL,    /* C0 and C1 controls, private use, U+FFFD */
    K_INVALID, /* the byte means nothing in this code page */
};

enum script { S_NONE, S_LATIN, S_GREEK, S_CYRILLIC, S_HEBREW, S_ARABIC, S_THAI, S_CJK };

enum {
    F_APOS = 1,     /* ’: an apostrophe inside a word is normal */
    F_APOS_OK = 2,  /* ‘ ´ ‛: used as apostrophes by some, not evidence either way */
    F_LOW = 4,      /* „ ‚: only ever open a quotation */
    F_INVERTED = 8, /* ¿ ¡: open a Spanish sentence */
    F_NUMERIC = 16, /* currency, fractions, degree, ±, ×, superscripts: go with numbers */
    F_MIDDOT = 32,  /* ·: Catalan writes l·l inside words */
};

struct cinfo {
    unsigned char cls, script, flags;
};

#define CP_INVALID 0xFFFFFFFFu

static struct cinfo mk(int cls, int script, int flags)
{
    struct cinfo c = {(unsigned char)cls, (unsigned char)script, (unsigned char)flags};
    return c;
}

/* Latin Extended-A alternates upper and lower case, with the parity flipping twice. */
static int latin_ext_a_upper(uint32_t cp)
{
    if (cp == 0x138 || cp == 0x149 || cp == 0x17F)
        return 0;
    if (cp == 0x178)
        return 1;
    if ((cp >= 0x139 && cp <= 0x148) || (cp >= 0x179 && cp <= 0x17E))
        return cp & 1;
    return !(cp & 1);
}

static struct cinfo latin1_info(uint32_t cp)
{
    switch (cp) {
    case 0xA0:
        return mk(K_SPACE, S_NONE, 0);
    case 0xA1:
    case 0xBF:
        return mk(K_SYM, S_NONE, F_INVERTED);
    case 0xA2:
    case 0xA3:
    case 0xA5:
    case 0xB0:
    case 0xB1:
    case 0xB2:
    case 0xB3:
    case 0xBC:
    case 0xBD:
    case 0xBE:
    case 0xD7:
        return mk(K_SYM, S_NONE, F_NUMERIC);
    case 0xA4:
    case 0xA6:
    case 0xA8:
    case 0xAC:
    case 0xAF:
    case 0xB6:
    case 0xB8:
    case 0xB9:
    case 0xF7:
        return mk(K_RARE, S_NONE, 0);
    case 0xAB:
    case 0xBB:
        return mk(K_QUOTE, S_NONE, 0);
    case 0xAD:
        return mk(K_SHY, S_NONE, 0);
    case 0xB4:
        return mk(K_QUOTE, S_NONE, F_APOS_OK);
    case 0xB7:
        return mk(K_SYM, S_NONE, F_MIDDOT);
    case 0xA7:
    case 0xA9:
    case 0xAA:
    case 0xAE:
    case 0xB5:
    case 0xBA:
        return mk(K_SYM, S_NONE, 0);
    }
    if (cp >= 0xC0 && cp <= 0xDE)
        return mk(K_UPPER, S_LATIN, 0);
    return mk(K_LOWER, S_LATIN, 0); /* 0xDF..0xFF */
}

static struct cinfo punct2000_info(uint32_t cp)
{
    if (cp <= 0x200A || cp == 0x202F || cp == 0x205F)
        return mk(K_SPACE, S_NONE, 0);
    if (cp >= 0x2010 && cp <= 0x2015)
        return mk(K_DASH, S_NONE, 0);
    switch (cp) {
    case 0x2019:
        return mk(K_QUOTE, S_NONE, F_APOS);
    case 0x2018:
    case 0x201B:
        return mk(K_QUOTE, S_NONE, F_APOS_OK);
    case 0x201A:
    case 0x201E:
        return mk(K_QUOTE, S_NONE, F_LOW);
    case 0x201C:
    case 0x201D:
    case 0x201F:
    case 0x2039:
    case 0x203A:
        return mk(K_QUOTE, S_NONE, 0);
    case 0x2022:
    case 0x2026:
    case 0x2032:
    case 0x2033:
        return mk(K_SYM, S_NONE, 0);
    }
    return mk(K_RARE, S_NONE, 0); /* † ‡ ‰ ‼ zero-width characters ... */
}

static struct cinfo cp_info(uint32_t cp)
{
    if (cp < 0x80) {
        if (cp >= 'a' && cp <= 'z')
            return mk(K_LOWER, S_LATIN, 0);
        if (cp >= 'A' && cp <= 'Z')
            return mk(K_UPPER, S_LATIN, 0);
        if (cp >= '0' && cp <= '9')
            return mk(K_DIGIT, S_NONE, 0);
        if (cp == ' ' || cp == '\t' || cp == '\r' || cp == '\n')
            return mk(K_EDGE, S_NONE, 0);
        if (cp < 0x20 || cp == 0x7F)
            return mk(K_CTRL, S_NONE, 0);
        return mk(K_PUNCT, S_NONE, 0);
    }
    if (cp < 0xA0)
        return mk(K_CTRL, S_NONE, 0);
    if (cp < 0x100)
        return latin1_info(cp);
    if (cp < 0x180)
        return mk(latin_ext_a_upper(cp) ? K_UPPER : K_LOWER, S_LATIN, 0);
    if (cp == 0x192)
        return mk(K_RARE, S_NONE, 0); /* ƒ */
    if (cp < 0x250)
        return mk(K_LETTER, S_LATIN, 0);
    if (cp >= 0x2B0 && cp < 0x300)
        return mk(K_RARE, S_NONE, 0); /* spacing accents: ˆ ˇ ˘ ˙ ˚ ˛ ˜ ˝ */
    if (cp >= 0x300 && cp < 0x370)
        return mk(K_MARK, S_NONE, 0);
    if (cp >= 0x386 && cp <= 0x3CE && cp != 0x387)
        return mk((cp >= 0x3AC || cp == 0x390) ? K_LOWER : K_UPPER, S_GREEK, 0);
    if (cp >= 0x3D0 && cp < 0x400)
        return mk(K_LETTER, S_GREEK, 0);
    if (cp >= 0x400 && cp < 0x460)
        return mk(cp < 0x430 ? K_UPPER : K_LOWER, S_CYRILLIC, 0);
    if (cp >= 0x460 && cp < 0x530)
        return mk(K_LETTER, S_CYRILLIC, 0);
    if (cp >= 0x591 && cp < 0x5D0)
        return mk(K_MARK, S_NONE, 0);
    if (cp >= 0x5D0 && cp < 0x600)
        return mk(K_LETTER, S_HEBREW, 0);
    if (cp >= 0x600 && cp < 0x700) {
        if (cp >= 0x660 && cp <= 0x669)
            return mk(K_DIGIT, S_NONE, 0);
        if (cp >= 0x64B && cp <= 0x65F)
            return mk(K_MARK, S_NONE, 0);
        if (cp == 0x60C || cp == 0x61B || cp == 0x61F)
            return mk(K_PUNCT, S_NONE, 0);
        return mk(K_LETTER, S_ARABIC, 0);
    }
    if (cp >= 0xE00 && cp < 0xE80)
        return mk(K_LETTER, S_THAI, 0);
    if (cp >= 0x1E00 && cp < 0x1F00)
        return mk((cp & 1) ? K_LOWER : K_UPPER, S_LATIN, 0);
    if (cp >= 0x2000 && cp < 0x2070)
        return punct2000_info(cp);
    if (cp >= 0x2070 && cp < 0x20A0)
        return mk(K_SYM, S_NONE, F_NUMERIC); /* super- and subscripts */
    if (cp >= 0x20A0 && cp < 0x20D0)
        return mk(K_SYM, S_NONE, F_NUMERIC); /* currency */
    if (cp == 0x2116 || cp == 0x2122)
        return mk(K_SYM, S_NONE, 0); /* № ™ */
    if (cp >= 0x2150 && cp < 0x2190)
        return mk(K_SYM, S_NONE, F_NUMERIC); /* ⅓ and other number forms */
    if (cp >= 0x2100 && cp < 0x2200)
        return mk(K_RARE, S_NONE, 0);
    if (cp >= 0x2200 && cp < 0x2300)
        return mk(K_RARE, S_NONE, 0); /* ∞ ≈ ≤ √ ∑ ... */
    if (cp >= 0x2300 && cp < 0x2800)
        return mk(K_GRAPHIC, S_NONE, 0); /* ⌐ ⌠ box drawing, blocks, shapes, dingbats */
    if (cp >= 0x3000 && cp < 0x3040)
        return mk(K_PUNCT, S_NONE, 0);
    if ((cp >= 0x3040 && cp < 0xA000) || (cp >= 0xAC00 && cp < 0xD7B0) ||
        (cp >= 0xF900 && cp < 0xFB00) || (cp >= 0xFF61 && cp < 0xFFA0))
        return mk(K_LETTER, S_CJK, 0);
    if (cp >= 0xE000 && cp < 0xF900)
        return mk(K_CTRL, S_NONE, 0); /* private use, such as the Apple logo */
    if (cp >= 0xFB00 && cp <= 0xFB06)
        return mk(K_LOWER, S_LATIN, 0); /* ﬁ ﬂ */
    if (cp >= 0xFF01 && cp < 0xFF61)
        return mk(K_PUNCT, S_NONE, 0);
    if (cp == 0xFFFD || cp > 0x10FFFF)
        return mk(K_CTRL, S_NONE, 0);
    return mk(K_RARE, S_NONE, 0);
}

/* Lower case of a Latin letter (for the alphabet check); other code points unchanged. */
static uint32_t fold_latin(uint32_t cp)
{
    if (cp >= 0xC0 && cp <= 0xDE && cp != 0xD7)
        return cp + 0x20;
    if (cp == 0x178)
        return 0xFF;
    if (cp >= 0x100 && cp < 0x180 && latin_ext_a_upper(cp))
        return cp + 1;
    if (cp >= 0x1E00 && cp < 0x1F00 && !(cp & 1))
        return cp + 1;
    return cp;
}

/* ---------------------------------------------------------------------------------------
 * Plausibility of one character next to its neighbours
 *
 * The points are a coarse log-likelihood: +1 for what real text does all the time
 * (an accented letter inside a word, a curly quote at a word's edge, a no-break space
 * between words), 0 for what proves nothing, -2 for what is odd but happens, -5 for what
 * real text almost never does (a symbol or a low quote between two letters, a letter of
 * another script inside a Latin word, screen-drawing characters), -10 for control codes.
 */

enum { GOOD = 1, ODD = -2, BAD = -5, AWFUL = -10 };

static int is_letter(const struct cinfo *x)
{
    return x->cls == K_LOWER || x->cls == K_UPPER || x->cls == K_LETTER;
}

static int is_numberish(const struct cinfo *x)
{
    return x->cls == K_DIGIT || (x->cls == K_SYM && (x->flags & F_NUMERIC));
}

static int is_space(const struct cinfo *x)
{
    return x->cls == K_EDGE || x->cls == K_SPACE;
}

static int score_char(const struct cinfo *p, const struct cinfo *c, const struct cinfo *n)
{
    int lp = is_letter(p), ln = is_letter(n);
    switch ((enum cls)c->cls) {
    case K_CTRL:
        return AWFUL;
    case K_GRAPHIC:
        return BAD;
    case K_MARK:
        return lp ? 0 : BAD;
    case K_LOWER:
    case K_UPPER:
    case K_LETTER:
        if ((lp && p->script != c->script) || (ln && n->script != c->script))
            return BAD;
        if (c->cls == K_LOWER && n->cls == K_UPPER)
            return ODD;
        /* A capital inside a word: after a small letter ("vÑgen"), or starting a
         * lower-case run after another capital ("JŸrgen"). */
        if (c->cls == K_UPPER && (p->cls == K_LOWER || (p->cls == K_UPPER && n->cls == K_LOWER)))
            return ODD;
        return (lp || ln) ? GOOD : 0;
    case K_SPACE:
        return (lp || ln || is_numberish(p) || is_numberish(n)) ? GOOD : 0;
    case K_QUOTE:
        if (lp && ln)
            return (c->flags & F_APOS) ? GOOD : (c->flags & F_APOS_OK) ? 0 : BAD;
        if (c->flags & F_LOW)
            return (lp || p->cls == K_DIGIT) ? ODD : (ln || n->cls == K_DIGIT) ? GOOD : 0;
        return (lp || ln || is_numberish(p) || is_numberish(n)) ? GOOD : 0;
    case K_DASH:
        if (lp && ln)
            return 0;
        return (is_space(p) || is_space(n)) ? GOOD : 0;
    case K_SYM:
        if (lp && ln)
            return (c->flags & F_MIDDOT) ? 0 : BAD;
        if (c->flags & F_INVERTED)
            return lp ? ODD : (ln || n->cls == K_DIGIT) ? GOOD : 0;
        if (c->flags & F_NUMERIC)
            return (lp || ln) ? 0 : GOOD;
        return 0;
    case K_RARE:
        return (lp && ln) ? BAD : ODD;
    case K_SHY:
        return (lp && ln) ? 0 : ODD;
    case K_EDGE:
    case K_DIGIT:
    case K_PUNCT:
    case K_INVALID:
        break;
    }
    return 0;
}

/* ---------------------------------------------------------------------------------------
 * Candidate code pages: what each byte 0x80..0xFF decodes to, asked of iconv once
 */

struct cand {
    char name[ENC_NAME_MAX];  /* iconv name */
    char label[ENC_NAME_MAX]; /* for people */
    uint32_t cp[128];         /* code point of byte 0x80 + i, or CP_INVALID */
    int usable;               /* iconv knows it and it is a single-byte superset of ASCII */
};

static struct cand FIXED[] = {
    {"CP1252", "", {0}, 0},    {"ISO-8859-1", "", {0}, 0}, {"ISO-8859-15", "", {0}, 0},
    {"CP850", "", {0}, 0},     {"CP437", "", {0}, 0},      {"CP1250", "", {0}, 0},
    {"MACINTOSH", "", {0}, 0},
};
enum { NFIXED = sizeof FIXED / sizeof FIXED[0] };

/* Fills c->cp from iconv. Returns 0, or -1 when iconv does not know the name or the
 * encoding is not a single-byte superset of ASCII (then the caller cannot score it). */
static int cand_build(struct cand *c)
{
    label_of(c->name, c->label, sizeof c->label);
    c->usable = 0;
    iconv_t cd = iconv_open("UTF-32LE", c->name);
    if (cd == (iconv_t)-1)
        return -1;
    int rc = 0;
    for (int b = 0x09; b < 0x100 && rc == 0; b++) {
        if (b < 0x20 && b != 0x09 && b != 0x0A && b != 0x0D)
            continue;
        char in = (char)b, *ip = &in;
        unsigned char out[8]; /* one character in UTF-8 (4 bytes at most) */
        char *op = (char *)out;
        size_t il = 1, ol = sizeof out;
        iconv(cd, NULL, NULL, NULL, NULL);
        size_t r = iconv(cd, &ip, &il, &op, &ol);
        uint32_t cp = CP_INVALID;
        if (r == (size_t)-1 && errno == EINVAL)
            rc = -1; /* a lead byte: a multibyte encoding */
        else if (r != (size_t)-1 && sizeof out - ol >= 4)
            cp = (uint32_t)out[0] | (uint32_t)out[1] << 8 | (uint32_t)out[2] << 16 |
                 (uint32_t)out[3] << 24;
        if (b < 0x80 && cp != (uint32_t)b)
            rc = -1; /* not ASCII-compatible (EBCDIC, UTF-7, ...) */
        if (b >= 0x80)
            c->cp[b - 0x80] = cp;
    }
    iconv_close(cd);
    c->usable = rc == 0;
    return rc;
}

/* Languages by the non-ASCII letters of their alphabets (lower case). A decoding whose
 * accented letters need fewer of these to explain them is the more plausible one. */
static const char *const ALPHABETS[] = {
    "äöüß",              /* German */
    "àâæçéèêëîïôœùûüÿ",  /* French */
    "áéíñóúü",           /* Spanish */
    "áâãàçéêíóôõú",      /* Portuguese */
    "àèéìíîòóùú",        /* Italian */
    "àçéèíïòóúü",        /* Catalan */
    "áéèëïóöüç",         /* Dutch */
    "åäöé",              /* Swedish */
    "æøåéó",             /* Danish, Norwegian */
    "äöåšž",             /* Finnish */
    "áðéíóúýþæö",        /* Icelandic */
    "äöõüšž",            /* Estonian */
    "áčďéěíňóřšťúůýž",   /* Czech */
    "áäčďéíĺľňóôŕšťúýž", /* Slovak */
    "ąćęłńóśźż",         /* Polish */
    "áéíóöőúüű",         /* Hungarian */
    "ăâîșțşţ",           /* Romanian */
    "čćđšž",             /* Croatian, Bosnian, Serbian, Slovene */
    "çğıöşüâîû",         /* Turkish */
    "çë",                /* Albanian */
    "āčēģīķļņšūž",       /* Latvian */
    "ąčęėįšųūž",         /* Lithuanian */
};
enum { NLANG = sizeof ALPHABETS / sizeof ALPHABETS[0], ALPHA_MAX = 24 };
static uint32_t ALPHA_CP[NLANG][ALPHA_MAX];
static int ALPHA_N[NLANG];

static void alphabets_build(void)
{
    for (int l = 0; l < NLANG; l++) {
        const unsigned char *s = (const unsigned char *)ALPHABETS[l];
        int n = 0;
        while (*s && n < ALPHA_MAX) {
            uint32_t cp;
            if (s[0] < 0x80) {
                cp = s[0];
                s += 1;
            } else if ((s[0] & 0xE0) == 0xC0 && s[1]) {
                cp = (uint32_t)(s[0] & 0x1F) << 6 | (s[1] & 0x3F);
                s += 2;
            } else {
                break; /* the table holds only 2-byte UTF-8 letters */
            }
            ALPHA_CP[l][n++] = cp;
        }
        ALPHA_N[l] = n;
    }
}

static pthread_once_t fixed_once = PTHREAD_ONCE_INIT;

static void fixed_build(void)
{
    for (int i = 0; i < NFIXED; i++)
        cand_build(&FIXED[i]);
    alphabets_build();
}

/* How many languages it takes to explain the Latin letters a candidate decodes the seen
 * bytes to (greedy set cover; a letter in no alphabet costs one, so does each non-Latin
 * script). */
static int languages_needed(const struct cand *c, const uint64_t *hist)
{
    uint32_t letters[128];
    int n = 0, scripts = 0, need = 0;
    unsigned seen_script = 0;
    for (int b = 0; b < 128; b++) {
        if (!hist[b] || c->cp[b] == CP_INVALID)
            continue;
        struct cinfo ci = cp_info(c->cp[b]);
        if (!is_letter(&ci))
            continue;
        if (ci.script != S_LATIN) {
            if (!(seen_script & (1u << ci.script)))
                scripts++;
            seen_script |= 1u << ci.script;
            continue;
        }
        uint32_t f = fold_latin(c->cp[b]);
        int dup = 0;
        for (int i = 0; i < n; i++)
            dup |= letters[i] == f;
        if (!dup)
            letters[n++] = f;
    }
    while (n > 0) {
        int best = -1, best_cover = 0;
        for (int l = 0; l < NLANG; l++) {
            int cover = 0;
            for (int i = 0; i < n; i++)
                for (int j = 0; j < ALPHA_N[l]; j++)
                    cover += letters[i] == ALPHA_CP[l][j];
            if (cover > best_cover) {
                best_cover = cover;
                best = l;
            }
        }
        if (best < 0)
            return need + n + scripts; /* letters no alphabet here has */
        need++;
        int k = 0;
        for (int i = 0; i < n; i++) {
            int in = 0;
            for (int j = 0; j < ALPHA_N[best]; j++)
                in |= letters[i] == ALPHA_CP[best][j];
            if (!in)
                letters[k++] = letters[i];
        }
        n = k;
    }
    return need + scripts;
}

/* Rough frequency of accented letters in European text: each language's share of
 * Latin-script writing times the letter's frequency in it, in arbitrary units. Only a
 * last tie-break, for decodings nothing else tells apart ("Muñoz" vs "Muûoz"). */
static const struct {
    uint32_t cp;
    int weight;
} LETTER_WEIGHT[] = {
    {0xE9, 280}, {0xFC, 145}, {0xF3, 140}, {0xE1, 130}, {0xED, 126}, {0xE4, 120}, {0xF6, 104},
    {0xE7, 80},  {0xE0, 72},  {0x103, 60}, {0x15F, 54}, {0xE3, 51},  {0x142, 51}, {0x131, 50},
    {0xEA, 50},  {0xE2, 50},  {0xE5, 50},  {0xF4, 44},  {0xE8, 35},  {0xFA, 35},  {0x119, 33},
    {0x11F, 33}, {0xF1, 31},  {0x105, 30}, {0x219, 30}, {0x21B, 30}, {0x163, 30}, {0xFD, 25},
    {0x161, 25}, {0xDF, 24},  {0x17C, 24}, {0x11B, 24}, {0x17E, 23}, {0x15B, 21}, {0xEE, 20},
    {0xF8, 18},  {0x10D, 18}, {0xE6, 17},  {0x151, 14}, {0x107, 12}, {0xF9, 10},  {0x159, 8},
    {0x144, 6},  {0xEC, 5},   {0xF2, 5},   {0xFB, 5},   {0x16F, 4},  {0xF5, 4},   {0x153, 3},
    {0x111, 3},  {0x101, 3},  {0xEB, 2},   {0x171, 2},  {0x17A, 2},  {0x117, 2},  {0x173, 2},
    {0x12F, 2},  {0x16B, 2},  {0x113, 2},  {0x12B, 2},  {0xEF, 1},   {0xFF, 1},   {0xF0, 1},
    {0xFE, 1},   {0x10F, 1},  {0x165, 1},  {0x148, 1},  {0x13A, 1},  {0x13E, 1},  {0x155, 1},
};

static int letter_prior(const struct cand *c, const uint64_t *hist)
{
    int sum = 0;
    for (int b = 0; b < 128; b++) {
        if (!hist[b] || c->cp[b] == CP_INVALID)
            continue;
        uint32_t f = fold_latin(c->cp[b]);
        for (size_t i = 0; i < sizeof LETTER_WEIGHT / sizeof LETTER_WEIGHT[0]; i++)
            if (LETTER_WEIGHT[i].cp == f)
                sum += LETTER_WEIGHT[i].weight;
    }
    return sum;
}

/* ---------------------------------------------------------------------------------------
 * The streaming detector
 */

enum {
    HEAD_MAX = 4096,
    /* uchardet reads the lines around non-ASCII bytes, up to this much in all. */
    UD_FEED_MAX = 4 << 20,
    UD_WINDOW = 2048,
    /* After this many valid UTF-8 sequences and no invalid one, single-byte evidence is
     * no longer collected: it could not change the answer, and the scan runs faster. */
    UTF8_SETTLED = 4096,
    TRI_MIN_SLOTS = 1024,
    TRI_MAX_SLOTS = 1 << 20,
};

/* Neighbour keys: ASCII bytes reduced to their class, other bytes kept. */
enum { KEY_LOWER, KEY_UPPER, KEY_DIGIT, KEY_EDGE, KEY_PUNCT, KEY_CTRL, KEY_HIGH };
enum { NKEYS = KEY_HIGH + 128 };
static const uint32_t KEY_CP[KEY_HIGH] = {'a', 'A', '0', '\n', ',', 0x01};

static int ascii_key(unsigned char b)
{
    if (b >= 'a' && b <= 'z')
        return KEY_LOWER;
    if (b >= 'A' && b <= 'Z')
        return KEY_UPPER;
    if (b >= '0' && b <= '9')
        return KEY_DIGIT;
    if (b == ' ' || b == '\t' || b == '\r' || b == '\n')
        return KEY_EDGE;
    if (b < 0x20 || b == 0x7F)
        return KEY_CTRL;
    return KEY_PUNCT;
}

static int byte_key(unsigned char b)
{
    return b >= 0x80 ? KEY_HIGH + (b - 0x80) : ascii_key(b);
}

struct tri {
    uint32_t key; /* 1 + (prev * 128 + (byte - 0x80)) * NKEYS + next; 0 = empty */
    uint64_t count;
};

struct det {
    uint64_t total;     /* bytes fed */
    uint64_t high;      /* bytes >= 0x80 */
    uint64_t hist[128]; /* how often each byte >= 0x80 occurs */
    unsigned char head[HEAD_MAX];
    size_t head_len;

    int u8_need; /* continuation bytes still expected */
    unsigned char u8_lo, u8_hi;
    uint64_t u8_start, u8_seqs, u8_bad, u8_first_bad;
    int settled;

    int last_key;  /* key of the byte before the current one */
    int pend_byte; /* a byte >= 0x80 waiting for its right neighbour, or -1 */
    int pend_prev;

    struct tri *tri;
    size_t tri_cap, tri_used;
    uint64_t tri_lost;

    uchardet_t ud;
    size_t ud_fed;
    uint64_t ud_until;
};

static void det_init(struct det *d)
{
    memset(d, 0, sizeof *d);
    d->last_key = KEY_EDGE;
    d->pend_byte = -1;
    d->u8_first_bad = UINT64_MAX;
}

static void det_fini(struct det *d)
{
    free(d->tri);
    if (d->ud)
        uchardet_delete(d->ud);
}

static void tri_insert(struct tri *t, size_t cap, uint32_t key, uint64_t count)
{
    size_t mask = cap - 1, i = (key * 2654435761u) & mask;
    while (t[i].key && t[i].key != key)
        i = (i + 1) & mask;
    t[i].key = key;
    t[i].count += count;
}

static void tri_add(struct det *d, int prev, int byte, int next)
{
    if (d->settled)
        return;
    uint32_t key = 1 + ((uint32_t)prev * 128 + (uint32_t)(byte - 0x80)) * NKEYS + (uint32_t)next;
    if (d->tri_cap) {
        size_t mask = d->tri_cap - 1, i = (key * 2654435761u) & mask;
        while (d->tri[i].key && d->tri[i].key != key)
            i = (i + 1) & mask;
        if (d->tri[i].key) {
            d->tri[i].count++;
            return;
        }
    }
    if ((d->tri_used + 1) * 2 > d->tri_cap) {
        if (d->tri_cap >= TRI_MAX_SLOTS) {
            if ((d->tri_used + 1) * 4 > d->tri_cap * 3) {
                d->tri_lost++;
                return;
            }
        } else {
            size_t cap = d->tri_cap ? d->tri_cap * 2 : TRI_MIN_SLOTS;
            struct tri *t = xcalloc(cap, sizeof *t);
            for (size_t i = 0; i < d->tri_cap; i++)
                if (d->tri[i].key)
                    tri_insert(t, cap, d->tri[i].key, d->tri[i].count);
            free(d->tri);
            d->tri = t;
            d->tri_cap = cap;
        }
    }
    tri_insert(d->tri, d->tri_cap, key, 1);
    d->tri_used++;
}

static void u8_fail(struct det *d, uint64_t at)
{
    d->u8_bad++;
    if (d->u8_first_bad == UINT64_MAX)
        d->u8_first_bad = at;
    d->u8_need = 0;
}

static void u8_expect(struct det *d, int need, unsigned char lo, unsigned char hi)
{
    d->u8_need = need;
    d->u8_lo = lo;
    d->u8_hi = hi;
}

/* One byte >= 0x80 through the UTF-8 validator (ASCII bytes are handled by the caller). */
static void u8_step(struct det *d, unsigned char b, uint64_t at)
{
    if (d->u8_need) {
        if (b >= d->u8_lo && b <= d->u8_hi) {
            d->u8_lo = 0x80;
            d->u8_hi = 0xBF;
            if (--d->u8_need == 0 && ++d->u8_seqs >= UTF8_SETTLED && d->u8_bad == 0)
                d->settled = 1;
            return;
        }
        u8_fail(d, d->u8_start);
    }
    d->u8_start = at;
    if (b >= 0xC2 && b <= 0xDF)
        u8_expect(d, 1, 0x80, 0xBF);
    else if (b == 0xE0)
        u8_expect(d, 2, 0xA0, 0xBF);
    else if (b == 0xED)
        u8_expect(d, 2, 0x80, 0x9F);
    else if (b >= 0xE1 && b <= 0xEF)
        u8_expect(d, 2, 0x80, 0xBF);
    else if (b == 0xF0)
        u8_expect(d, 3, 0x90, 0xBF);
    else if (b >= 0xF1 && b <= 0xF3)
        u8_expect(d, 3, 0x80, 0xBF);
    else if (b == 0xF4)
        u8_expect(d, 3, 0x80, 0x8F);
    else
        u8_fail(d, at); /* a stray continuation byte, C0, C1 or F5..FF */
}

/* The first index >= i whose byte is >= 0x80, or n. */
static size_t skip_ascii(const unsigned char *p, size_t i, size_t n)
{
    const uint64_t m = 0x8080808080808080ull;
    while (i + 32 <= n) {
        uint64_t a, b, c, e;
        memcpy(&a, p + i, 8);
        memcpy(&b, p + i + 8, 8);
        memcpy(&c, p + i + 16, 8);
        memcpy(&e, p + i + 24, 8);
        if ((a | b | c | e) & m)
            break;
        i += 32;
    }
    while (i + 8 <= n) {
        uint64_t a;
        memcpy(&a, p + i, 8);
        if (a & m)
            break;
        i += 8;
    }
    while (i < n && p[i] < 0x80)
        i++;
    return i;
}

/* Hands uchardet the line around p[i] (at most UD_WINDOW bytes either side), once. */
static void ud_feed_line(struct det *d, const unsigned char *p, size_t n, size_t i)
{
    size_t lo = i > UD_WINDOW ? i - UD_WINDOW : 0;
    const unsigned char *nl = memrchr(p + lo, '\n', i - lo);
    size_t s = nl ? (size_t)(nl - p) + 1 : lo;
    if (d->ud_until > d->total && d->ud_until - d->total > s)
        s = (size_t)(d->ud_until - d->total);
    size_t hi = n - i > UD_WINDOW ? i + UD_WINDOW : n;
    nl = memchr(p + i, '\n', hi - i);
    size_t e = nl ? (size_t)(nl - p) + 1 : hi;
    if (e - s > UD_FEED_MAX - d->ud_fed)
        e = s + (UD_FEED_MAX - d->ud_fed);
    if (e > s)
        uchardet_handle_data(d->ud, (const char *)p + s, e - s);
    d->ud_fed += e - s;
    d->ud_until = d->total + e;
}

static void det_feed(struct det *d, const unsigned char *p, size_t n)
{
    if (d->head_len < HEAD_MAX) {
        size_t k = n < HEAD_MAX - d->head_len ? n : HEAD_MAX - d->head_len;
        memcpy(d->head + d->head_len, p, k);
        d->head_len += k;
    }
    size_t i = 0;
    while (i < n) {
        unsigned char b = p[i];
        if (d->pend_byte >= 0) {
            tri_add(d, d->pend_prev, d->pend_byte, byte_key(b));
            d->pend_byte = -1;
        }
        if (b < 0x80) {
            if (d->u8_need)
                u8_fail(d, d->u8_start);
            size_t j = skip_ascii(p, i + 1, n);
            d->last_key = ascii_key(p[j - 1]);
            i = j;
            continue;
        }
        uint64_t at = d->total + i;
        d->high++;
        d->hist[b - 0x80]++;
        u8_step(d, b, at);
        if (!d->settled && at >= d->ud_until && d->ud_fed < UD_FEED_MAX) {
            if (!d->ud)
                d->ud = uchardet_new(); /* only text with non-ASCII bytes needs it */
            if (d->ud)
                ud_feed_line(d, p, n, i);
        }
        d->pend_prev = d->last_key;
        d->pend_byte = b;
        d->last_key = KEY_HIGH + (b - 0x80);
        i++;
    }
    d->total += n;
}

/* ---------------------------------------------------------------------------------------
 * The decision
 */

struct scored {
    const struct cand *c;
    int64_t score;
    int langs;           /* languages needed to explain its letters (languages_needed) */
    int prior;           /* how common its letters are (letter_prior) */
    uint64_t letters[2]; /* which of the bytes seen decode to letters */
    int invalid;         /* a byte seen is undefined in this code page */
    int order;           /* place in the candidate list; uchardet's extra guess comes last */
    int ud_exact;        /* it is uchardet's guess, and one of the listed code pages */
    uint64_t ud_agree;   /* bytes seen that it decodes as uchardet's guess does */
};

/* The trigrams seen, out of the hash table, for scoring each candidate. */
struct tri_seen {
    unsigned char prev, byte, next; /* neighbour keys and the byte - 0x80 */
    int64_t count;
};

static struct tri_seen *tri_list(const struct det *d, size_t *n)
{
    struct tri_seen *t = xmalloc((d->tri_used ? d->tri_used : 1) * sizeof *t);
    size_t k = 0;
    for (size_t i = 0; i < d->tri_cap; i++) {
        if (!d->tri[i].key)
            continue;
        uint32_t key = d->tri[i].key - 1;
        t[k].next = (unsigned char)(key % NKEYS);
        t[k].byte = (unsigned char)(key / NKEYS % 128);
        t[k].prev = (unsigned char)(key / NKEYS / 128);
        t[k].count = d->tri[i].count > INT32_MAX ? INT32_MAX : (int64_t)d->tri[i].count;
        k++;
    }
    *n = k;
    return t;
}

static int64_t cand_score(const struct cand *c, const struct tri_seen *t, size_t n)
{
    struct cinfo info[NKEYS];
    for (int k = 0; k < KEY_HIGH; k++)
        info[k] = cp_info(KEY_CP[k]);
    for (int b = 0; b < 128; b++)
        info[KEY_HIGH + b] = c->cp[b] == CP_INVALID ? mk(K_INVALID, S_NONE, 0) : cp_info(c->cp[b]);
    int64_t total = 0, opens = 0, closes = 0;
    for (size_t i = 0; i < n; i++) {
        const struct cinfo *pi = &info[t[i].prev], *ci = &info[KEY_HIGH + t[i].byte];
        const struct cinfo *ni = &info[t[i].next];
        total += score_char(pi, ci, ni) * t[i].count;
        /* Quotation marks come in pairs: one before a word, one after a word. */
        if (ci->cls == K_QUOTE && !(ci->flags & (F_APOS | F_APOS_OK))) {
            if (!is_letter(pi) && is_letter(ni))
                opens += t[i].count;
            else if (is_letter(pi) && !is_letter(ni))
                closes += t[i].count;
        }
    }
    return total + ODD * (opens > closes ? opens - closes : closes - opens);
}

/* Is a better than b? The plausibility score decides; ties go, in turn, to
 * - uchardet's guess, when it is one of the listed code pages (an extra code page that
 *   only uchardet proposed gets no credit for that: it has to win on the evidence),
 * - the decoding that agrees with uchardet's on more of the bytes seen (uchardet named a
 *   sibling: ISO-8859-2 for a CP1250 file),
 * - between decodings that make letters of the same bytes, the one needing fewer
 *   languages to explain them,
 * - CP1252, the decoding whose letters are the more common ones, the list order. */
static int better(const struct scored *a, const struct scored *b)
{
    if (a->invalid != b->invalid)
        return b->invalid;
    if (a->score != b->score)
        return a->score > b->score;
    if (a->ud_exact != b->ud_exact)
        return a->ud_exact;
    if (a->ud_agree != b->ud_agree)
        return a->ud_agree > b->ud_agree;
    int same_letters = a->letters[0] == b->letters[0] && a->letters[1] == b->letters[1];
    if (same_letters && a->langs != b->langs)
        return a->langs < b->langs;
    int a1252 = strcmp(a->c->name, "CP1252") == 0, b1252 = strcmp(b->c->name, "CP1252") == 0;
    if (a1252 != b1252)
        return a1252;
    if (a->prior != b->prior)
        return a->prior > b->prior;
    return a->order < b->order;
}

static int count_distinct(const uint64_t *hist)
{
    int n = 0;
    for (int b = 0; b < 128; b++)
        n += hist[b] != 0;
    return n;
}

/* UTF-16 without a BOM: ASCII text has a NUL in every other byte. */
static int utf16_by_nuls(const unsigned char *h, size_t n, int *le)
{
    size_t pairs = n / 2, even = 0, odd = 0;
    if (pairs < 2)
        return 0;
    for (size_t i = 0; i + 1 < n; i += 2) {
        even += h[i] == 0;
        odd += h[i + 1] == 0;
    }
    if (odd * 10 >= pairs * 4 && even * 20 <= pairs) {
        *le = 1;
        return 1;
    }
    if (even * 10 >= pairs * 4 && odd * 20 <= pairs) {
        *le = 0;
        return 1;
    }
    return 0;
}

static void rank_candidates(struct det *d, int at_eof, const char *ud_raw, struct enc_result *out)
{
    /* uchardet's guess, as an iconv name; a single-byte one we do not list is scored too. */
    char ud_name[ENC_NAME_MAX] = "";
    if (ud_raw && *ud_raw && enc_normalize_name(ud_raw, ud_name, sizeof ud_name) != 0)
        snprintf(ud_name, sizeof ud_name, "%s", ud_raw);
    struct cand extra;
    memset(&extra, 0, sizeof extra);
    int have_extra = 0, ud_multibyte = 0;
    if (ud_name[0] && strcmp(ud_name, "UTF-8") != 0 && strncmp(ud_name, "UTF-", 4) != 0 &&
        strcmp(ud_name, "ASCII") != 0) {
        int listed = 0;
        for (int i = 0; i < NFIXED; i++)
            listed |= strcmp(FIXED[i].name, ud_name) == 0;
        if (!listed) {
            snprintf(extra.name, sizeof extra.name, "%s", ud_name);
            if (cand_build(&extra) == 0)
                have_extra = 1;
            else {
                iconv_t cd = iconv_open("UTF-8", ud_name);
                if (cd != (iconv_t)-1) {
                    ud_multibyte = 1;
                    iconv_close(cd);
                }
            }
        }
    }

    const struct cand *ud_cand = have_extra ? &extra : NULL;
    for (int i = 0; i < NFIXED; i++)
        if (FIXED[i].usable && strcmp(FIXED[i].name, ud_name) == 0)
            ud_cand = &FIXED[i];
    size_t ntri;
    struct tri_seen *tri = tri_list(d, &ntri);
    struct scored s[NFIXED + 1];
    int ns = 0;
    for (int i = 0; i < NFIXED + have_extra; i++) {
        const struct cand *c = i < NFIXED ? &FIXED[i] : &extra;
        if (!c->usable)
            continue;
        struct scored *x = &s[ns++];
        memset(x, 0, sizeof *x);
        x->c = c;
        x->order = i;
        x->score = cand_score(c, tri, ntri);
        x->langs = languages_needed(c, d->hist);
        x->prior = letter_prior(c, d->hist);
        x->ud_exact = i < NFIXED && c == ud_cand;
        for (int b = 0; b < 128; b++) {
            if (!d->hist[b])
                continue;
            x->invalid |= c->cp[b] == CP_INVALID;
            struct cinfo ci = c->cp[b] == CP_INVALID ? mk(K_INVALID, S_NONE, 0) : cp_info(c->cp[b]);
            if (is_letter(&ci))
                x->letters[b / 64] |= 1ull << (b % 64);
            if (i < NFIXED && ud_cand && c->cp[b] == ud_cand->cp[b])
                x->ud_agree += d->hist[b];
        }
    }
    free(tri);
    int best = -1, second = -1;
    for (int i = 0; i < ns; i++) {
        if (best < 0 || better(&s[i], &s[best])) {
            second = best;
            best = i;
        } else if (second < 0 || better(&s[i], &s[second])) {
            second = i;
        }
    }

    char label[ENC_NAME_MAX], next[2 * ENC_NAME_MAX] = "";
    int distinct = count_distinct(d->hist);
    const char *said = ud_raw && *ud_raw ? ud_raw : "nothing";
    char where[sizeof "in the first  bytes" + SQ_NUM_TEXT_MAX];
    snprintf(where, sizeof where, "%s %" PRIu64 " bytes", at_eof ? "in" : "in the first", d->total);

    /* Mostly UTF-8 with a few broken bytes: each valid multibyte sequence is strong
     * evidence (random bytes rarely form one), each invalid one counts against. */
    int64_t u8_score = 2 * (int64_t)d->u8_seqs - 5 * (int64_t)d->u8_bad;
    int64_t best_score = best >= 0 ? s[best].score : INT64_MIN;
    if (best < 0 || (d->u8_seqs > 0 && u8_score > best_score)) {
        set_name(out, "UTF-8");
        out->needs_transcode = 1;
        snprintf(out->detail, sizeof out->detail,
                 "utf-8 with %" PRIu64 " invalid sequence(s), the first at byte %" PRIu64
                 "; %" PRIu64 " valid ones %s; uchardet said %s",
                 d->u8_bad, d->u8_first_bad, d->u8_seqs, where, said);
        return;
    }
    if (ud_multibyte && best_score < 0) {
        set_name(out, ud_name);
        out->needs_transcode = 1;
        label_of(ud_name, label, sizeof label);
        snprintf(out->detail, sizeof out->detail,
                 "%s (uchardet's guess, not checked): %" PRIu64
                 " non-ASCII bytes %s; no single-byte code page reads as text (best %s %" PRId64
                 ")",
                 label, d->high, where, s[best].c->label, best_score);
        return;
    }
    set_name(out, s[best].c->name);
    out->needs_transcode = 1;
    if (second >= 0)
        snprintf(next, sizeof next, "; next %s %" PRId64 "%s", s[second].c->label, s[second].score,
                 s[second].invalid ? " (invalid bytes)" : "");
    snprintf(out->detail, sizeof out->detail,
             "%s: %" PRIu64 " non-ASCII bytes, %d distinct, %s; score %" PRId64
             ", %d language(s)%s; uchardet said %s",
             s[best].c->label, d->high, distinct, where, s[best].score, s[best].langs, next, said);
}

static void det_finish(struct det *d, int at_eof, struct enc_result *out)
{
    memset(out, 0, sizeof *out);
    if (d->pend_byte >= 0) {
        tri_add(d, d->pend_prev, d->pend_byte, KEY_EDGE);
        d->pend_byte = -1;
    }
    if (d->u8_need && at_eof)
        u8_fail(d, d->u8_start);
    const unsigned char *h = d->head;
    size_t hn = d->head_len;
    int le = 0;
    const char *bom = NULL;
    if (hn >= 4 && h[0] == 0xFF && h[1] == 0xFE && h[2] == 0 && h[3] == 0) {
        bom = "UTF-32LE";
        out->bom_bytes = 4;
    } else if (hn >= 4 && h[0] == 0 && h[1] == 0 && h[2] == 0xFE && h[3] == 0xFF) {
        bom = "UTF-32BE";
        out->bom_bytes = 4;
    } else if (hn >= 3 && h[0] == 0xEF && h[1] == 0xBB && h[2] == 0xBF) {
        bom = "UTF-8";
        out->bom_bytes = 3;
    } else if (hn >= 2 && h[0] == 0xFF && h[1] == 0xFE) {
        bom = "UTF-16LE";
        out->bom_bytes = 2;
    } else if (hn >= 2 && h[0] == 0xFE && h[1] == 0xFF) {
        bom = "UTF-16BE";
        out->bom_bytes = 2;
    }
    const char *scope = at_eof ? "" : " in the first bytes scanned";
    if (bom && strcmp(bom, "UTF-8") == 0) {
        /* DuckDB 1.4's CSV reader skips a UTF-8 BOM itself (docs/internals/encoding.md). */
        set_name(out, "UTF-8");
        out->needs_transcode = d->u8_bad > 0;
        if (d->u8_bad)
            snprintf(out->detail, sizeof out->detail,
                     "utf-8 (BOM) with %" PRIu64 " invalid sequence(s), the first at byte %" PRIu64,
                     d->u8_bad, d->u8_first_bad);
        else
            snprintf(out->detail, sizeof out->detail, "utf-8 (BOM): %" PRIu64 " bytes%s", d->total,
                     scope);
        return;
    }
    if (bom) {
        set_name(out, bom);
        out->needs_transcode = 1;
        snprintf(out->detail, sizeof out->detail, "%s: byte-order mark", bom);
        return;
    }
    if (utf16_by_nuls(h, hn, &le)) {
        set_name(out, le ? "UTF-16LE" : "UTF-16BE");
        out->needs_transcode = 1;
        snprintf(out->detail, sizeof out->detail,
                 "%s without a byte-order mark: every other byte of the start is NUL", out->name);
        return;
    }
    if (d->total == 0) {
        set_name(out, "UTF-8");
        out->ascii_only = 1;
        snprintf(out->detail, sizeof out->detail, "ascii: empty");
        return;
    }
    if (d->high == 0) {
        set_name(out, "UTF-8");
        out->ascii_only = 1;
        snprintf(out->detail, sizeof out->detail, "ascii: no byte >= 0x80 %s %" PRIu64 " bytes",
                 at_eof ? "in" : "in the first", d->total);
        return;
    }
    if (d->u8_bad == 0) {
        set_name(out, "UTF-8");
        snprintf(out->detail, sizeof out->detail,
                 "utf-8: %" PRIu64 " valid multibyte sequences, no invalid one %s %" PRIu64
                 " bytes",
                 d->u8_seqs, at_eof ? "in" : "in the first", d->total);
        return;
    }
    pthread_once(&fixed_once, fixed_build);
    const char *ud_raw = NULL;
    if (d->ud) {
        uchardet_data_end(d->ud);
        ud_raw = uchardet_get_charset(d->ud);
    }
    rank_candidates(d, at_eof, ud_raw, out);
}

int enc_detect_buffer(const unsigned char *p, size_t n, int at_eof, struct enc_result *out)
{
    if (!out || (!p && n))
        return SQ_E_USAGE;
    struct det *d = xmalloc(sizeof *d);
    det_init(d);
    if (n)
        det_feed(d, p, n);
    det_finish(d, at_eof, out);
    det_fini(d);
    free(d);
    return 0;
}

/* ---------------------------------------------------------------------------------------
 * Reading a file, plain or through gzip -dc
 */

struct reader {
    int fd;
    pid_t pid; /* gzip, or 0 */
};

static int reader_open(struct reader *r, const char *path, struct sq_error *err)
{
    r->pid = 0;
    r->fd = open(path, O_RDONLY | O_CLOEXEC);
    if (r->fd < 0)
        return sq_error_set(err, SQ_E_IO, -1, "cannot open %s: %s", path, strerror(errno));
    struct stat st;
    if (fstat(r->fd, &st) == 0 && S_ISDIR(st.st_mode)) {
        close(r->fd);
        r->fd = -1;
        return sq_error_set(err, SQ_E_IO, -1, "cannot read %s: it is a folder", path);
    }
    unsigned char magic[2];
    if (pread(r->fd, magic, 2, 0) != 2 || magic[0] != 0x1F || magic[1] != 0x8B)
        return 0;
    close(r->fd);
    r->fd = -1;
    int pfd[2];
    if (pipe2(pfd, O_CLOEXEC) != 0)
        return sq_error_set(err, SQ_E_IO, -1, "cannot decompress %s: pipe: %s", path,
                            strerror(errno));
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, pfd[1], 1);
    posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
    char *path_copy = xstrdup(path);
    char *argv[] = {(char *)"gzip", (char *)"-dc", (char *)"--", path_copy, NULL};
    int rc = posix_spawnp(&r->pid, "gzip", &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    free(path_copy);
    close(pfd[1]);
    if (rc != 0) {
        close(pfd[0]);
        r->pid = 0;
        return sq_error_set(err, SQ_E_IO, -1, "cannot decompress %s: cannot run gzip: %s", path,
                            strerror(rc));
    }
    r->fd = pfd[0];
    return 0;
}

/* Reads until n bytes or the end; returns the count, or -1 with errno. */
static ssize_t reader_read(struct reader *r, unsigned char *buf, size_t n)
{
    size_t got = 0;
    while (got < n) {
        ssize_t k = read(r->fd, buf + got, n - got);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0)
            return -1;
        if (k == 0)
            break;
        got += (size_t)k;
    }
    return (ssize_t)got;
}

/* Closes the file and reaps gzip. When the whole stream was read (complete), a gzip
 * failure is an error; when the caller stopped early, gzip dies of SIGPIPE and that is
 * fine. */
static int reader_close(struct reader *r, int complete, const char *path, struct sq_error *err)
{
    int rc = 0;
    if (r->fd >= 0)
        close(r->fd);
    r->fd = -1;
    if (r->pid > 0) {
        int status = 0;
        while (waitpid(r->pid, &status, 0) < 0 && errno == EINTR)
            ;
        if (complete && !(WIFEXITED(status) && WEXITSTATUS(status) == 0))
            rc = sq_error_set(err, SQ_E_IO, -1,
                              "cannot decompress %s: gzip -dc failed (%s %d); is it a "
                              "complete .gz file?",
                              path, WIFEXITED(status) ? "exit status" : "signal",
                              WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
        r->pid = 0;
    }
    return rc;
}

/* ---------------------------------------------------------------------------------------
 * Detection of a file
 */

enum { READ_BLOCK = 1 << 20 };

static size_t bom_for(char *name, size_t name_size, const unsigned char *h, size_t hn);

/* The encoding a hint names, with the BOM (if any) of that encoding at the start of the
 * file. "UTF-16" and "UTF-32" become LE or BE by the BOM, LE without one. */
static void apply_hint(const char *iconv_name, const char *hint, const unsigned char *h, size_t hn,
                       struct enc_result *out)
{
    char name[ENC_NAME_MAX], label[ENC_NAME_MAX];
    snprintf(name, sizeof name, "%s", iconv_name);
    out->bom_bytes = (int)bom_for(name, sizeof name, h, hn);
    set_name(out, name);
    out->needs_transcode = strcmp(name, "UTF-8") != 0;
    label_of(name, label, sizeof label);
    snprintf(out->detail, sizeof out->detail, "%s: from the hint \"%.64s\"", label, hint);
}

int enc_detect_file(const char *path, const char *hint, size_t max_bytes, struct enc_result *out,
                    struct sq_error *err)
{
    if (!path || !out)
        return sq_error_set(err, SQ_E_USAGE, -1, "enc_detect_file: no path or result");
    memset(out, 0, sizeof *out);
    char hinted[ENC_NAME_MAX] = "";
    if (hint && *hint && enc_normalize_name(hint, hinted, sizeof hinted) != 0)
        return sq_error_set(err, SQ_E_USAGE, -1, "unknown encoding \"%.64s\"; accepted: %s", hint,
                            ACCEPTED);
    struct reader r;
    int rc = reader_open(&r, path, err);
    if (rc)
        return rc;
    int gz = r.pid > 0;
    if (hinted[0]) {
        unsigned char h[4];
        ssize_t k = reader_read(&r, h, sizeof h);
        if (k < 0) {
            rc = sq_error_set(err, SQ_E_IO, -1, "cannot read %s: %s", path, strerror(errno));
            reader_close(&r, 0, path, NULL);
            return rc;
        }
        reader_close(&r, 0, path, NULL);
        apply_hint(hinted, hint, h, (size_t)k, out);
        out->gzip = gz;
        return 0;
    }
    struct det *d = xmalloc(sizeof *d);
    det_init(d);
    unsigned char *buf = xmalloc(READ_BLOCK);
    uint64_t got = 0;
    int at_eof = 0;
    for (;;) {
        size_t want = READ_BLOCK;
        if (max_bytes && max_bytes - got < want)
            want = (size_t)(max_bytes - got);
        if (want == 0)
            break;
        ssize_t k = reader_read(&r, buf, want);
        if (k < 0) {
            rc = sq_error_set(err, SQ_E_IO, -1, "cannot read %s: %s", path, strerror(errno));
            break;
        }
        if (k > 0)
            det_feed(d, buf, (size_t)k);
        got += (uint64_t)k;
        if ((size_t)k < want) {
            at_eof = 1;
            break;
        }
    }
    int crc = reader_close(&r, at_eof && rc == 0, path, rc ? NULL : err);
    if (!rc)
        rc = crc;
    if (!rc) {
        det_finish(d, at_eof, out);
        out->gzip = gz;
    }
    det_fini(d);
    free(d);
    free(buf);
    return rc;
}

/* ---------------------------------------------------------------------------------------
 * Transcoding
 *
 * Three ways through, all streaming in blocks sized to stay in the CPU caches: a
 * single-byte code page goes through its iconv-built byte table (ASCII runs copied
 * whole), UTF-8 is validated and copied, anything else (UTF-16, UTF-32, multibyte Asian
 * encodings) goes through iconv itself. All three give iconv's output byte for byte.
 */

enum { IN_BLOCK = 256 << 10, ICONV_OUT = 1 << 20, CARRY_MAX = 64 };

/* Newlines in p[0..n), eight bytes at a time. */
static uint64_t count_newlines(const unsigned char *p, size_t n)
{
    const uint64_t ones = 0x0101010101010101ull, high = 0x8080808080808080ull;
    uint64_t c = 0;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, p + i, 8);
        w ^= ones * '\n';
        uint64_t t = ((w & ~high) + ~high) | w; /* high bit set in each non-zero byte */
        c += ((~t & high) >> 7) * ones >> 56;   /* the sum of the eight 0/1 bytes */
    }
    for (; i < n; i++)
        c += p[i] == '\n';
    return c;
}

struct xcode {
    const char *src;
    char *part;
    char name[ENC_NAME_MAX];
    int gz;
    struct reader r;
    int out_fd;
    uint64_t lines; /* newlines written so far */
    unsigned char *in;
    size_t have;   /* bytes in in[] */
    int eof;       /* in[] holds the end of the text */
    uint64_t base; /* offset in the (decompressed) source of in[0] */
    unsigned char *out;
    size_t out_len, out_cap;
};

static int x_write(struct xcode *x, const unsigned char *p, size_t n, struct sq_error *err)
{
    x->lines += count_newlines(p, n);
    size_t off = 0;
    while (off < n) {
        ssize_t k = write(x->out_fd, p + off, n - off);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0)
            return sq_error_set(err, SQ_E_IO, -1, "cannot write %s: %s", x->part, strerror(errno));
        off += (size_t)k;
    }
    return 0;
}

static int x_flush(struct xcode *x, struct sq_error *err)
{
    int rc = x_write(x, x->out, x->out_len, err);
    x->out_len = 0;
    return rc;
}

/* Keeps in[used..have) (a sequence cut by the block end) and reads the next block. */
static int x_refill(struct xcode *x, size_t used, struct sq_error *err)
{
    size_t carry = x->have - used;
    if (carry > CARRY_MAX)
        return sq_error_set(err, SQ_E_INTERNAL, -1, "%zu bytes left unconverted", carry);
    memmove(x->in, x->in + used, carry);
    x->base += used;
    ssize_t k = reader_read(&x->r, x->in + carry, IN_BLOCK);
    if (k < 0)
        return sq_error_set(err, SQ_E_IO, -1, "cannot read %s: %s", x->src, strerror(errno));
    x->have = carry + (size_t)k;
    x->eof = (size_t)k < IN_BLOCK;
    return 0;
}

/* The error for the bytes at in[i]: where they are, as a byte offset and a line. */
static int x_invalid(struct xcode *x, size_t i, int truncated, struct sq_error *err)
{
    uint64_t at = x->base + i;
    uint64_t line = 1 + x->lines + count_newlines(x->out, x->out_len);
    char bytes[sizeof "XX XX XX XX"] = "";
    size_t nb = x->have - i < 4 ? x->have - i : 4;
    for (size_t j = 0; j < nb; j++)
        snprintf(bytes + 3 * j, sizeof bytes - 3 * j, "%s%02X", j ? " " : "", x->in[i + j]);
    return sq_error_set(err, SQ_E_ENCODING, at <= INT32_MAX ? (int)at : -1,
                        "%s: %s %s at byte offset %" PRIu64 "%s (line %" PRIu64 "): not valid %s",
                        x->src, truncated ? "truncated sequence" : "invalid bytes", bytes, at,
                        x->gz ? " of the decompressed text" : "", line, x->name);
}

static int x_table(struct xcode *x, size_t pos, const struct cand *c, struct sq_error *err)
{
    unsigned char utf8[128][3];
    unsigned char len[128];
    for (int b = 0; b < 128; b++) {
        uint32_t cp = c->cp[b];
        len[b] = 0;
        if (cp == CP_INVALID || cp > 0xFFFF)
            continue; /* every single-byte code page maps into the BMP */
        if (cp < 0x800) {
            utf8[b][0] = (unsigned char)(0xC0 | cp >> 6);
            utf8[b][1] = (unsigned char)(0x80 | (cp & 0x3F));
            len[b] = 2;
        } else {
            utf8[b][0] = (unsigned char)(0xE0 | cp >> 12);
            utf8[b][1] = (unsigned char)(0x80 | (cp >> 6 & 0x3F));
            utf8[b][2] = (unsigned char)(0x80 | (cp & 0x3F));
            len[b] = 3;
        }
    }
    for (;;) {
        size_t i = pos, n = x->have;
        while (i < n) {
            size_t j = skip_ascii(x->in, i, n);
            memcpy(x->out + x->out_len, x->in + i, j - i);
            x->out_len += j - i;
            for (i = j; i < n && x->in[i] >= 0x80; i++) {
                int b = x->in[i] - 0x80;
                if (!len[b])
                    return x_invalid(x, i, 0, err);
                memcpy(x->out + x->out_len, utf8[b], len[b]);
                x->out_len += len[b];
            }
        }
        int rc = x_flush(x, err);
        if (rc || x->eof)
            return rc;
        if ((rc = x_refill(x, n, err)))
            return rc;
        pos = 0;
    }
}

/* Length of the valid UTF-8 at p[i..n); *cut is set when what follows is the valid start
 * of a sequence that the end of the buffer cuts. */
static size_t utf8_valid_end(const unsigned char *p, size_t i, size_t n, int *cut)
{
    *cut = 0;
    for (;;) {
        i = skip_ascii(p, i, n);
        if (i == n)
            return n;
        unsigned char b = p[i], lo = 0x80, hi = 0xBF;
        int need;
        if (b >= 0xC2 && b <= 0xDF)
            need = 1;
        else if (b >= 0xE0 && b <= 0xEF)
            need = 2, lo = b == 0xE0 ? 0xA0 : 0x80, hi = b == 0xED ? 0x9F : 0xBF;
        else if (b >= 0xF0 && b <= 0xF4)
            need = 3, lo = b == 0xF0 ? 0x90 : 0x80, hi = b == 0xF4 ? 0x8F : 0xBF;
        else
            return i;
        for (int k = 1; k <= need; k++) {
            if (i + (size_t)k >= n) {
                *cut = 1;
                return i;
            }
            unsigned char c = p[i + (size_t)k];
            if (c < (k == 1 ? lo : 0x80) || c > (k == 1 ? hi : 0xBF))
                return i;
        }
        i += (size_t)need + 1;
    }
}

static int x_utf8(struct xcode *x, size_t pos, struct sq_error *err)
{
    for (;;) {
        int cut;
        size_t end = utf8_valid_end(x->in, pos, x->have, &cut);
        int rc = x_write(x, x->in + pos, end - pos, err);
        if (rc)
            return rc;
        if (end < x->have && (!cut || x->eof))
            return x_invalid(x, end, cut, err);
        if (x->eof)
            return 0;
        if ((rc = x_refill(x, end, err)))
            return rc;
        pos = 0;
    }
}

static int x_iconv(struct xcode *x, size_t pos, struct sq_error *err)
{
    iconv_t cd = iconv_open("UTF-8", x->name);
    if (cd == (iconv_t)-1)
        return sq_error_set(err, SQ_E_USAGE, -1, "iconv cannot convert from %s: %s", x->name,
                            strerror(errno));
    int rc = 0;
    for (;;) {
        char *ip = (char *)x->in + pos;
        size_t il = x->have - pos;
        while (il > 0) {
            char *op = (char *)x->out + x->out_len;
            size_t ol = x->out_cap - x->out_len;
            size_t res = iconv(cd, &ip, &il, &op, &ol);
            x->out_len = x->out_cap - ol;
            if (res != (size_t)-1)
                break;
            if (errno == E2BIG) {
                if ((rc = x_flush(x, err)))
                    goto out;
                continue;
            }
            if (errno == EINVAL && !x->eof)
                break; /* a sequence cut by the block end: carried into the next block */
            rc = x_invalid(x, (size_t)((unsigned char *)ip - x->in), errno == EINVAL, err);
            goto out;
        }
        size_t used = (size_t)((unsigned char *)ip - x->in);
        if (x->eof)
            break;
        if ((rc = x_flush(x, err)) || (rc = x_refill(x, used, err)))
            goto out;
        pos = 0;
    }
    {
        char *op = (char *)x->out + x->out_len;
        size_t ol = x->out_cap - x->out_len;
        iconv(cd, NULL, NULL, &op, &ol); /* the shift state of stateful encodings */
        x->out_len = x->out_cap - ol;
    }
    rc = x_flush(x, err);
out:
    iconv_close(cd);
    return rc;
}

/* The BOM of a Unicode encoding at the start of the text; resolves "UTF-16" and "UTF-32"
 * to their byte order (LE without a BOM, as Windows writes them). */
static size_t bom_for(char *name, size_t name_size, const unsigned char *h, size_t hn)
{
    int le16 = hn >= 2 && h[0] == 0xFF && h[1] == 0xFE;
    int be16 = hn >= 2 && h[0] == 0xFE && h[1] == 0xFF;
    int le32 = hn >= 4 && le16 && h[2] == 0 && h[3] == 0;
    int be32 = hn >= 4 && h[0] == 0 && h[1] == 0 && h[2] == 0xFE && h[3] == 0xFF;
    if (strcmp(name, "UTF-16") == 0)
        snprintf(name, name_size, "%s", be16 ? "UTF-16BE" : "UTF-16LE");
    if (strcmp(name, "UTF-32") == 0)
        snprintf(name, name_size, "%s", be32 ? "UTF-32BE" : "UTF-32LE");
    if (strcmp(name, "UTF-8") == 0 && hn >= 3 && h[0] == 0xEF && h[1] == 0xBB && h[2] == 0xBF)
        return 3;
    if ((strcmp(name, "UTF-16LE") == 0 && le16) || (strcmp(name, "UTF-16BE") == 0 && be16))
        return 2;
    if ((strcmp(name, "UTF-32LE") == 0 && le32) || (strcmp(name, "UTF-32BE") == 0 && be32))
        return 4;
    return 0;
}

int enc_transcode_file(const char *src, const char *from, const char *dst, struct sq_error *err)
{
    struct xcode x;
    memset(&x, 0, sizeof x);
    if (!src || !from || !dst)
        return sq_error_set(err, SQ_E_USAGE, -1, "enc_transcode_file: missing argument");
    if (enc_normalize_name(from, x.name, sizeof x.name) != 0) {
        iconv_t probe = strlen(from) < sizeof x.name ? iconv_open("UTF-8", from) : (iconv_t)-1;
        if (probe == (iconv_t)-1)
            return sq_error_set(err, SQ_E_USAGE, -1, "unknown encoding \"%.64s\"; accepted: %s",
                                from, ACCEPTED);
        iconv_close(probe);
        snprintf(x.name, sizeof x.name, "%s", from);
    }
    struct stat a, b;
    if (stat(src, &a) == 0 && stat(dst, &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino)
        return sq_error_set(err, SQ_E_USAGE, -1, "cannot transcode %s onto itself", src);
    int rc = reader_open(&x.r, src, err);
    if (rc)
        return rc;
    x.src = src;
    x.gz = x.r.pid > 0;
    x.out_fd = -1;
    x.part = xasprintf("%s.part", dst);
    x.in = xmalloc(IN_BLOCK + CARRY_MAX);
    int complete = 0;
    struct cand table;
    memset(&table, 0, sizeof table);

    ssize_t k = reader_read(&x.r, x.in, IN_BLOCK);
    if (k < 0) {
        rc = sq_error_set(err, SQ_E_IO, -1, "cannot read %s: %s", src, strerror(errno));
        goto out;
    }
    x.have = (size_t)k;
    x.eof = x.have < IN_BLOCK;
    size_t pos = bom_for(x.name, sizeof x.name, x.in, x.have);
    snprintf(table.name, sizeof table.name, "%s", x.name);
    int is_utf8 = strcmp(x.name, "UTF-8") == 0;
    int is_table = !is_utf8 && cand_build(&table) == 0;
    x.out_cap = is_table ? 3 * (IN_BLOCK + CARRY_MAX) : ICONV_OUT;
    x.out = is_utf8 ? NULL : xmalloc(x.out_cap);
    x.out_fd = open(x.part, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (x.out_fd < 0) {
        rc = sq_error_set(err, SQ_E_IO, -1, "cannot create %s: %s", x.part, strerror(errno));
        goto out;
    }
    rc = is_utf8    ? x_utf8(&x, pos, err)
         : is_table ? x_table(&x, pos, &table, err)
                    : x_iconv(&x, pos, err);
    complete = rc == 0;
out : {
    int crc = reader_close(&x.r, complete, src, rc ? NULL : err);
    if (!rc)
        rc = crc;
}
    if (x.out_fd >= 0 && close(x.out_fd) != 0 && !rc)
        rc = sq_error_set(err, SQ_E_IO, -1, "cannot write %s: %s", x.part, strerror(errno));
    if (!rc && rename(x.part, dst) != 0)
        rc = sq_error_set(err, SQ_E_IO, -1, "cannot rename %s to %s: %s", x.part, dst,
                          strerror(errno));
    if (rc && x.out_fd >= 0)
        unlink(x.part);
    free(x.part);
    free(x.in);
    free(x.out);
    return rc;
}
