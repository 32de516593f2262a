/* text_tokenize_word.c — the word tokeniser: a hand-written scanner that follows NLTK's
 * TweetTokenizer (nltk/tokenize/casual.py, 3.8) alternative by alternative, with the differences
 * listed in tide/tokenize.h. Works on one document's code points in the buffer's scratch:
 *   1. decode (strict UTF-8), 2. HTML entities, 3. @handles removed (strip_handles),
 *   4. runs cut to 3 (reduce_len: any character; always: runs of non-[A-Za-z0-9], NLTK's HANG_RE),
 *   5. scan: at each position the first recogniser that matches gives the token (regex
 *      alternation order); each m_* function returns the end of its match or 0.
 * Each recogniser reproduces its regular expression's backtracking result; the comments give
 * the expression.
 */
#include "text_tokenize_internal.h"

#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------- character classes */

/* The regex module's \w (Unicode): Alphabetic, marks, decimal digits, connector punctuation,
 * join controls. Alphabetic is letters + Nl + Other_Alphabetic, whose non-mark members are the
 * circled and squared Latin letters. */
static inline int is_w(uint32_t c) {
    if (c < 0x80) return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
    int cat = tide_category(c);
    if ((cat >= UTF8PROC_CATEGORY_LU && cat <= UTF8PROC_CATEGORY_NL) || cat == UTF8PROC_CATEGORY_PC) return 1;
    return c == 0x200C || c == 0x200D || (c >= 0x24B6 && c <= 0x24E9) ||
           (c >= 0x1F130 && c <= 0x1F189 && !(c >= 0x1F14A && c <= 0x1F14F) && !(c >= 0x1F16A && c <= 0x1F16F));
}
static inline int is_d(uint32_t c) {
    if (c < 0x80) return c >= '0' && c <= '9';
    return tide_category(c) == UTF8PROC_CATEGORY_ND;
}
/* [^\W\d_] */
static inline int is_letter(uint32_t c) { return c != '_' && is_w(c) && !is_d(c); }
/* The regex module's \s (White_Space) */
static inline int is_rs(uint32_t c) {
    if (c < 0x80) return (c >= 9 && c <= 13) || c == ' ';
    return c == 0x85 || c == 0xA0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 ||
           c == 0x202F || c == 0x205F || c == 0x3000;
}
static inline int is_alpha_ascii(uint32_t c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); }
static inline int is_alnum_ascii(uint32_t c) { return is_alpha_ascii(c) || (c >= '0' && c <= '9'); }
/* [a-z] and [a-z0-9] of NLTK's URL expressions, which are case-insensitive: the regex module
 * then also matches U+0130 (İ), U+017F (ſ) and U+212A (Kelvin sign). */
static inline int url_alpha(uint32_t c) { return is_alpha_ascii(c) || c == 0x130 || c == 0x17F || c == 0x212A; }
static inline int url_alnum(uint32_t c) { return url_alpha(c) || (c >= '0' && c <= '9'); }
static inline uint32_t lower_ascii(uint32_t c) { return (c >= 'A' && c <= 'Z') ? c + 32 : c; }
static inline int in_set(uint32_t c, const char *set) { return c < 0x80 && c && strchr(set, (int)c) != NULL; }

/* ---------------------------------------------------------------- 2. HTML entities */

/* Python's html.entities.name2codepoint (HTML 4), sorted for bsearch. */
static const struct entity {
    const char *name;
    uint32_t cp;
} ENTITIES[] = {
    {"AElig", 198}, {"Aacute", 193}, {"Acirc", 194}, {"Agrave", 192}, {"Alpha", 913}, {"Aring", 197}, {"Atilde", 195},
    {"Auml", 196}, {"Beta", 914}, {"Ccedil", 199}, {"Chi", 935}, {"Dagger", 8225}, {"Delta", 916}, {"ETH", 208},
    {"Eacute", 201}, {"Ecirc", 202}, {"Egrave", 200}, {"Epsilon", 917}, {"Eta", 919}, {"Euml", 203}, {"Gamma", 915},
    {"Iacute", 205}, {"Icirc", 206}, {"Igrave", 204}, {"Iota", 921}, {"Iuml", 207}, {"Kappa", 922}, {"Lambda", 923},
    {"Mu", 924}, {"Ntilde", 209}, {"Nu", 925}, {"OElig", 338}, {"Oacute", 211}, {"Ocirc", 212}, {"Ograve", 210},
    {"Omega", 937}, {"Omicron", 927}, {"Oslash", 216}, {"Otilde", 213}, {"Ouml", 214}, {"Phi", 934}, {"Pi", 928},
    {"Prime", 8243}, {"Psi", 936}, {"Rho", 929}, {"Scaron", 352}, {"Sigma", 931}, {"THORN", 222}, {"Tau", 932},
    {"Theta", 920}, {"Uacute", 218}, {"Ucirc", 219}, {"Ugrave", 217}, {"Upsilon", 933}, {"Uuml", 220}, {"Xi", 926},
    {"Yacute", 221}, {"Yuml", 376}, {"Zeta", 918}, {"aacute", 225}, {"acirc", 226}, {"acute", 180}, {"aelig", 230},
    {"agrave", 224}, {"alefsym", 8501}, {"alpha", 945}, {"amp", 38}, {"and", 8743}, {"ang", 8736}, {"aring", 229},
    {"asymp", 8776}, {"atilde", 227}, {"auml", 228}, {"bdquo", 8222}, {"beta", 946}, {"brvbar", 166}, {"bull", 8226},
    {"cap", 8745}, {"ccedil", 231}, {"cedil", 184}, {"cent", 162}, {"chi", 967}, {"circ", 710}, {"clubs", 9827},
    {"cong", 8773}, {"copy", 169}, {"crarr", 8629}, {"cup", 8746}, {"curren", 164}, {"dArr", 8659}, {"dagger", 8224},
    {"darr", 8595}, {"deg", 176}, {"delta", 948}, {"diams", 9830}, {"divide", 247}, {"eacute", 233}, {"ecirc", 234},
    {"egrave", 232}, {"empty", 8709}, {"emsp", 8195}, {"ensp", 8194}, {"epsilon", 949}, {"equiv", 8801}, {"eta", 951},
    {"eth", 240}, {"euml", 235}, {"euro", 8364}, {"exist", 8707}, {"fnof", 402}, {"forall", 8704}, {"frac12", 189},
    {"frac14", 188}, {"frac34", 190}, {"frasl", 8260}, {"gamma", 947}, {"ge", 8805}, {"gt", 62}, {"hArr", 8660},
    {"harr", 8596}, {"hearts", 9829}, {"hellip", 8230}, {"iacute", 237}, {"icirc", 238}, {"iexcl", 161},
    {"igrave", 236}, {"image", 8465}, {"infin", 8734}, {"int", 8747}, {"iota", 953}, {"iquest", 191}, {"isin", 8712},
    {"iuml", 239}, {"kappa", 954}, {"lArr", 8656}, {"lambda", 955}, {"lang", 9001}, {"laquo", 171}, {"larr", 8592},
    {"lceil", 8968}, {"ldquo", 8220}, {"le", 8804}, {"lfloor", 8970}, {"lowast", 8727}, {"loz", 9674}, {"lrm", 8206},
    {"lsaquo", 8249}, {"lsquo", 8216}, {"lt", 60}, {"macr", 175}, {"mdash", 8212}, {"micro", 181}, {"middot", 183},
    {"minus", 8722}, {"mu", 956}, {"nabla", 8711}, {"nbsp", 160}, {"ndash", 8211}, {"ne", 8800}, {"ni", 8715},
    {"not", 172}, {"notin", 8713}, {"nsub", 8836}, {"ntilde", 241}, {"nu", 957}, {"oacute", 243}, {"ocirc", 244},
    {"oelig", 339}, {"ograve", 242}, {"oline", 8254}, {"omega", 969}, {"omicron", 959}, {"oplus", 8853}, {"or", 8744},
    {"ordf", 170}, {"ordm", 186}, {"oslash", 248}, {"otilde", 245}, {"otimes", 8855}, {"ouml", 246}, {"para", 182},
    {"part", 8706}, {"permil", 8240}, {"perp", 8869}, {"phi", 966}, {"pi", 960}, {"piv", 982}, {"plusmn", 177},
    {"pound", 163}, {"prime", 8242}, {"prod", 8719}, {"prop", 8733}, {"psi", 968}, {"quot", 34}, {"rArr", 8658},
    {"radic", 8730}, {"rang", 9002}, {"raquo", 187}, {"rarr", 8594}, {"rceil", 8969}, {"rdquo", 8221}, {"real", 8476},
    {"reg", 174}, {"rfloor", 8971}, {"rho", 961}, {"rlm", 8207}, {"rsaquo", 8250}, {"rsquo", 8217}, {"sbquo", 8218},
    {"scaron", 353}, {"sdot", 8901}, {"sect", 167}, {"shy", 173}, {"sigma", 963}, {"sigmaf", 962}, {"sim", 8764},
    {"spades", 9824}, {"sub", 8834}, {"sube", 8838}, {"sum", 8721}, {"sup", 8835}, {"sup1", 185}, {"sup2", 178},
    {"sup3", 179}, {"supe", 8839}, {"szlig", 223}, {"tau", 964}, {"there4", 8756}, {"theta", 952}, {"thetasym", 977},
    {"thinsp", 8201}, {"thorn", 254}, {"tilde", 732}, {"times", 215}, {"trade", 8482}, {"uArr", 8657},
    {"uacute", 250}, {"uarr", 8593}, {"ucirc", 251}, {"ugrave", 249}, {"uml", 168}, {"upsih", 978}, {"upsilon", 965},
    {"uuml", 252}, {"weierp", 8472}, {"xi", 958}, {"yacute", 253}, {"yen", 165}, {"yuml", 255}, {"zeta", 950},
    {"zwj", 8205}, {"zwnj", 8204},
};

/* What bytes 0x80..0x9F mean in Windows-1252 (0: undefined), for &#128; .. &#159; as NLTK. */
static const uint16_t CP1252[32] = {0x20AC, 0, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
                                    0x2039, 0x0152, 0, 0x017D, 0, 0, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
                                    0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0, 0x017E, 0x0178};

static int entity_cmp(const void *key, const void *e) { return strcmp(key, ((const struct entity *)e)->name); }

/* The character an entity body c[a..b) stands for, or -1 (then the entity stays as written). */
static int64_t entity_value(const uint32_t *c, int64_t a, int64_t b, int numeric, int hex) {
    if (numeric) { /* Python's int(body, 16 or 10), ASCII digits only */
        int64_t v = 0, i = a;
        int neg = 0, digits = 0;
        if (i < b && (c[i] == '+' || c[i] == '-')) neg = c[i++] == '-';
        if (hex && i + 1 < b && c[i] == '0' && lower_ascii(c[i + 1]) == 'x') {
            i += 2;
            if (i < b && c[i] == '_') i++;
        }
        for (; i < b; i++) {
            uint32_t d = c[i];
            int x;
            if (d == '_' && digits && i + 1 < b && c[i + 1] != '_') continue;
            if (d >= '0' && d <= '9') x = (int)(d - '0');
            else if (hex && lower_ascii(d) >= 'a' && lower_ascii(d) <= 'f') x = (int)(lower_ascii(d) - 'a' + 10);
            else return -1;
            if (v > 0x10FFFF) return -1; /* no character; stop before overflow */
            v = v * (hex ? 16 : 10) + x;
            digits++;
        }
        if (!digits || (neg && v != 0)) return -1;
        if (v >= 0x80 && v <= 0x9F) return CP1252[v - 0x80] ? CP1252[v - 0x80] : -1;
        if (v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) return -1;
        return v;
    }
    char name[12];
    if (b - a > 10) return -1;
    for (int64_t i = a; i < b; i++) {
        if (c[i] >= 0x80) return -1;
        name[i - a] = (char)c[i];
    }
    name[b - a] = 0;
    const struct entity *e =
        bsearch(name, ENTITIES, sizeof ENTITIES / sizeof ENTITIES[0], sizeof ENTITIES[0], entity_cmp);
    return e ? (int64_t)e->cp : -1;
}

/* &(#?(x?))([^&;\s]+);  ->  the character (in place; returns the new length) */
static int64_t decode_entities(uint32_t *c, int64_t n) {
    int64_t w = 0;
    for (int64_t i = 0; i < n;) {
        if (c[i] == '&') {
            int64_t j = i + 1;
            int numeric = 0, hex = 0;
            if (j < n && c[j] == '#') numeric = 1, j++;
            if (j < n && c[j] == 'x') hex = 1, j++;
            int64_t a = j;
            while (j < n && c[j] != '&' && c[j] != ';' && !is_rs(c[j])) j++;
            if (j < n && c[j] == ';' && j > a) {
                int64_t v = entity_value(c, a, j, numeric || hex, hex);
                if (v >= 0) {
                    c[w++] = (uint32_t)v;
                    i = j + 1;
                    continue;
                }
            }
        }
        c[w++] = c[i++];
    }
    return w;
}

/* ---------------------------------------------------------------- 3, 4. handles, runs */

/* NLTK's HANDLES_RE, each match replaced by a space:
 * (?<![A-Za-z0-9_!@#\$%&*])@(([A-Za-z0-9_]){15}(?!@)|([A-Za-z0-9_]){1,14}(?![A-Za-z0-9_]*@)) */
static int64_t remove_handles(uint32_t *c, int64_t n) {
    int64_t w = 0;
    uint32_t before = 0; /* the original character before i (lookbehind sees the original) */
    for (int64_t i = 0; i < n;) {
        if (c[i] == '@' && !(i > 0 && (is_alnum_ascii(before) || in_set(before, "_!@#$%&*")))) {
            int64_t r = 0;
            while (i + 1 + r < n && (is_alnum_ascii(c[i + 1 + r]) || c[i + 1 + r] == '_')) r++;
            int64_t after = i + 1 + r;
            int64_t take = 0;
            if (r >= 15) take = (r == 15 && after < n && c[after] == '@') ? 0 : 15;
            else if (r >= 1) take = (after < n && c[after] == '@') ? 0 : r;
            if (take) {
                before = c[i + take];
                c[w++] = ' ';
                i += take + 1;
                continue;
            }
        }
        before = c[i];
        c[w++] = c[i++];
    }
    return w;
}

/* Runs of one character longer than 3 cut to 3: reduce_len's (.)\1{2,} (any character but a
 * newline) when all, else HANG_RE's ([^a-zA-Z0-9])\1{3,}. */
static int64_t cap_runs(uint32_t *c, int64_t n, int all) {
    int64_t w = 0;
    for (int64_t i = 0; i < n;) {
        uint32_t x = c[i];
        int64_t r = 1;
        while (i + r < n && c[i + r] == x) r++;
        int eligible = all ? x != '\n' : !is_alnum_ascii(x);
        int64_t keep = (eligible && r > 3) ? 3 : r;
        for (int64_t k = 0; k < keep; k++) c[w++] = x;
        i += r;
    }
    return w;
}

/* ---------------------------------------------------------------- 5. the recognisers */

/* URL characters: the body [^\s()<>{}\[\]] and the characters a URL may not end with. */
static inline int url_body(uint32_t c) { return !is_rs(c) && !in_set(c, "()<>{}[]"); }
static inline int url_no_end(uint32_t c) {
    return is_rs(c) || in_set(c, "`!()[]{};:'\".,<>?") || c == 0xAB || c == 0xBB || c == 0x201C || c == 0x201D ||
           c == 0x2018 || c == 0x2019;
}

/* The nested parenthesised part of a URL at c[j] == '(': \([^\s()]*?\([^\s()]+\)[^\s()]*?\), or 0. */
static int64_t url_nested(const uint32_t *c, int64_t n, int64_t j) {
#define PLAIN(x) (!is_rs(x) && (x) != '(' && (x) != ')')
    int64_t k = j + 1;
    while (k < n && PLAIN(c[k])) k++;
    if (k >= n || c[k] != '(') return 0;
    int64_t m = k + 1;
    while (m < n && PLAIN(c[m])) m++;
    if (m == k + 1 || m >= n || c[m] != ')') return 0;
    int64_t r = m + 1;
    while (r < n && PLAIN(c[r])) r++;
#undef PLAIN
    return (r < n && c[r] == ')') ? r + 1 : 0;
}

/* The next end of \([^\s]+?\) at c[j] == '(' after end (lazy: each ')' in turn), or 0. */
static int64_t url_lazy_next(const uint32_t *c, int64_t n, int64_t j, int64_t end) {
    int64_t k = end ? end : j + 2;
    if (j + 1 >= n || is_rs(c[j + 1])) return 0;
    for (; k < n && !is_rs(c[k]); k++)
        if (c[k] == ')' && k >= j + 2) return k + 1;
    return 0;
}

/* The URL's tail after its prefix, (?:BODY)+ END with
 *   BODY = [^\s()<>{}\[\]]+ | nested parens | \([^\s]+?\)     END = nested | \([^\s]+?\) | [^E]
 * matched as the regex engine does: depth first, greedy runs longest first, lazy parts shortest
 * first, one more BODY before END. A position from which the rest cannot match is remembered
 * (failed[]), so the search is polynomial. A tail is confined to its whitespace-free run, of
 * which the first URL_WINDOW characters are considered. */
#define URL_WINDOW 4096
typedef struct url_ctx {
    const uint32_t *c;
    int64_t n, q;
    uint8_t *failed; /* [n - q + 1] */
    int depth;
} url_ctx;

static int64_t url_rest(url_ctx *u, int64_t i, int first) {
    const uint32_t *c = u->c;
    int64_t n = u->n;
    if (!first && u->failed[i - u->q]) return 0;
    if (++u->depth > 2000) { /* pathological nesting: give up this branch */
        u->depth--;
        return 0;
    }
    int64_t r = 0;
    int64_t run = i;
    while (run < n && url_body(c[run])) run++;
    for (int64_t e = run; e > i && !r; e--) r = url_rest(u, e, 0);
    if (!r && i < n && c[i] == '(') {
        int64_t e = url_nested(c, n, i);
        if (e) r = url_rest(u, e, 0);
        for (e = url_lazy_next(c, n, i, 0); !r && e; e = url_lazy_next(c, n, i, e)) r = url_rest(u, e, 0);
    }
    if (!r && !first && i < n) { /* END */
        if (c[i] == '(') {
            r = url_nested(c, n, i);
            if (!r) r = url_lazy_next(c, n, i, 0);
        } else if (!url_no_end(c[i])) {
            r = i + 1;
        }
    }
    if (!r && !first) u->failed[i - u->q] = 1;
    u->depth--;
    return r;
}

static int64_t url_tail(const uint32_t *c, int64_t n, int64_t q) {
    int64_t end = q;
    while (end < n && end - q < URL_WINDOW && !is_rs(c[end])) end++;
    if (end - q < 2) return 0;
    uint8_t stack[256];
    uint8_t *failed = end - q + 1 <= (int64_t)sizeof stack ? stack : calloc((size_t)(end - q + 1), 1);
    if (!failed) return 0;
    if (failed == stack) memset(stack, 0, (size_t)(end - q + 1));
    url_ctx u = {c, end, q, failed, 0};
    int64_t r = url_rest(&u, q, 1);
    if (failed != stack) free(failed);
    return r;
}

/* NLTK's URLS:
 *   (?: https?: (?:/{1,3}|[a-z0-9%]) | [a-z0-9.\-]+[.](?:[a-z]{2,13})/ ) url_tail
 *   | (?<!@)[a-z0-9]+(?:[.\-][a-z0-9]+)*[.](?:[a-z]{2,13})\b/?(?!@)     (a naked domain) */
static int64_t m_url(const uint32_t *c, int64_t n, int64_t p) {
    if (p + 4 < n && lower_ascii(c[p]) == 'h' && lower_ascii(c[p + 1]) == 't' && lower_ascii(c[p + 2]) == 't' &&
        lower_ascii(c[p + 3]) == 'p') {
        int64_t k = p + 4;
        if (lower_ascii(c[k]) == 's') k++;
        if (k + 1 < n && c[k] == ':' && (c[k + 1] == '/' || c[k + 1] == '%' || url_alnum(c[k + 1]))) {
            int64_t e = url_tail(c, n, k + 2);
            if (e) return e;
        }
    }
    if (!url_alnum(c[p]) && c[p] != '.' && c[p] != '-') return 0;
    /* a domain followed by a slash */
    int64_t k = p;
    while (k < n && (url_alnum(c[k]) || c[k] == '.' || c[k] == '-')) k++;
    if (k < n && c[k] == '/') {
        int64_t t = 0;
        while (k - 1 - t > p && url_alpha(c[k - 1 - t])) t++;
        if (t >= 2 && t <= 13 && k - 1 - t > p && c[k - 1 - t] == '.') {
            int64_t e = url_tail(c, n, k + 1);
            if (e) return e;
        }
    }
    /* a naked domain */
    if (!url_alnum(c[p]) || (p > 0 && c[p - 1] == '@')) return 0;
    int64_t end = p;
    while (end < n && url_alnum(c[end])) end++;
    while (end + 1 < n && (c[end] == '.' || c[end] == '-') && url_alnum(c[end + 1])) {
        end++;
        while (end < n && url_alnum(c[end])) end++;
    }
    for (int64_t d = end - 1; d > p; d--) { /* the rightmost period that gives a top-level domain */
        if (c[d] != '.') continue;
        int64_t t = d + 1;
        while (t < n && url_alpha(c[t])) t++;
        if (t - d - 1 < 2 || t - d - 1 > 13 || (t < n && is_w(c[t]))) continue;
        if (t < n && c[t] == '/' && !(t + 1 < n && c[t + 1] == '@')) return t + 1;
        if (t < n && c[t] == '@') continue;
        return t;
    }
    return 0;
}

/* NLTK's PHONE_REGEX: (?:\+?[01][ *\-.\)]*)? (?:[\(]?\d{3}[ *\-.\)]*)? \d{3}[ *\-.\)]* \d{4}
 * A separator run is never followed by a digit inside itself, so only its longest form can
 * succeed; what remains are the optional groups, tried present first. */
static inline int64_t phone_seps(const uint32_t *c, int64_t n, int64_t k) {
    while (k < n && in_set(c[k], " *-.)")) k++;
    return k;
}
static inline int digits_at(const uint32_t *c, int64_t n, int64_t k, int count) {
    if (k + count > n) return 0;
    for (int i = 0; i < count; i++)
        if (!is_d(c[k + i])) return 0;
    return 1;
}
static int64_t phone_tail(const uint32_t *c, int64_t n, int64_t k) { /* \d{3}[seps]*\d{4} */
    if (!digits_at(c, n, k, 3)) return 0;
    k = phone_seps(c, n, k + 3);
    return digits_at(c, n, k, 4) ? k + 4 : 0;
}
static int64_t phone_rest(const uint32_t *c, int64_t n, int64_t k) {
    int64_t a = k + (k < n && c[k] == '(');
    if (digits_at(c, n, a, 3)) {
        int64_t e = phone_tail(c, n, phone_seps(c, n, a + 3));
        if (e) return e;
    }
    return phone_tail(c, n, k);
}
static int64_t m_phone(const uint32_t *c, int64_t n, int64_t p) {
    int64_t k = p + (c[p] == '+');
    if (k < n && (c[k] == '0' || c[k] == '1')) {
        int64_t e = phone_rest(c, n, phone_seps(c, n, k + 1));
        if (e) return e;
    }
    return phone_rest(c, n, p);
}

/* NLTK's EMOTICONS (case-insensitive):
 *   [<>]?[:;=8][\-o\*\']?[\)\]\(\[dDpP/\:\}\{@\|\\]  |  [mouth][nose]?[eyes][<>]?  |  </?3 */
static inline int emo_eyes(uint32_t c) { return in_set(c, ":;=8"); }
static inline int emo_nose(uint32_t c) { return in_set(c, "-oO*'"); }
static inline int emo_mouth(uint32_t c) { return in_set(c, ")](\\[dDpP/:}{@|"); }
static int64_t m_emoticon(const uint32_t *c, int64_t n, int64_t p) {
    int64_t e = p + (c[p] == '<' || c[p] == '>');
    if (e < n && emo_eyes(c[e])) {
        if (e + 2 < n && emo_nose(c[e + 1]) && emo_mouth(c[e + 2])) return e + 3;
        if (e + 1 < n && emo_mouth(c[e + 1])) return e + 2;
    }
    if (emo_mouth(c[p])) {
        int64_t k = 0;
        if (p + 2 < n && emo_nose(c[p + 1]) && emo_eyes(c[p + 2])) k = p + 3;
        else if (p + 1 < n && emo_eyes(c[p + 1])) k = p + 2;
        if (k) return k + (k < n && (c[k] == '<' || c[k] == '>'));
    }
    if (c[p] == '<') {
        int64_t k = p + 1 + (p + 1 < n && c[p + 1] == '/');
        if (k < n && c[k] == '3') return k + 1;
    }
    return 0;
}

/* <[^>\s]+>  (an HTML tag) */
static int64_t m_tag(const uint32_t *c, int64_t n, int64_t p) {
    if (c[p] != '<') return 0;
    int64_t k = p + 1;
    while (k < n && c[k] != '>' && !is_rs(c[k])) k++;
    return (k > p + 1 && k < n && c[k] == '>') ? k + 1 : 0;
}

/* [\-]+>|<[\-]+  (arrows) */
static int64_t m_arrow(const uint32_t *c, int64_t n, int64_t p) {
    int64_t k = p;
    if (c[p] == '-') {
        while (k < n && c[k] == '-') k++;
        return (k < n && c[k] == '>') ? k + 1 : 0;
    }
    if (c[p] == '<') {
        k = p + 1;
        while (k < n && c[k] == '-') k++;
        return k > p + 1 ? k : 0;
    }
    return 0;
}

/* @[\w_]+  (a mention) */
static int64_t m_mention(const uint32_t *c, int64_t n, int64_t p) {
    if (c[p] != '@') return 0;
    int64_t k = p + 1;
    while (k < n && is_w(c[k])) k++;
    return k > p + 1 ? k : 0;
}

/* \#+[\w_]+[\w\'_\-]*[\w_]+  (a hashtag) */
static int64_t m_hashtag(const uint32_t *c, int64_t n, int64_t p) {
    if (c[p] != '#') return 0;
    int64_t h = p;
    while (h < n && c[h] == '#') h++;
    if (h >= n || !is_w(c[h])) return 0;
    int64_t k = h, best = 0;
    while (k < n && (is_w(c[k]) || c[k] == '\'' || c[k] == '-')) {
        if (k > h && is_w(c[k])) best = k + 1;
        k++;
    }
    return best;
}

/* [\w.+-]+@[\w-]+\.(?:[\w-]\.?)+[\w-]  (an e-mail address) */
static int64_t m_email(const uint32_t *c, int64_t n, int64_t p) {
#define WD(x) (is_w(x) || (x) == '-')
    int64_t k = p;
    while (k < n && (is_w(c[k]) || in_set(c[k], ".+-"))) k++;
    if (k == p || k >= n || c[k] != '@') return 0;
    int64_t d = k + 1;
    while (d < n && WD(c[d])) d++;
    if (d == k + 1 || d >= n || c[d] != '.') return 0;
    int64_t j = d + 1, best = 0;
    while (j < n && WD(c[j])) {
        if (j >= d + 2) best = j + 1;
        j++;
        if (j < n && c[j] == '.') j++;
    }
#undef WD
    return best;
}

/* .(?:[\U0001F3FB-\U0001F3FF]?(?:\u200d.[\U0001F3FB-\U0001F3FF]?)+|[\U0001F3FB-\U0001F3FF])
 * (emoji joined by zero-width joiners, skin tones) */
static inline int is_tone(uint32_t c) { return c >= 0x1F3FB && c <= 0x1F3FF; }
static int64_t m_zwj(const uint32_t *c, int64_t n, int64_t p) {
    if (c[p] == '\n' || p + 1 >= n) return 0;
    int64_t k = p + 1;
    k += is_tone(c[k]);
    int joined = 0;
    while (k + 1 < n && c[k] == 0x200D && c[k + 1] != '\n') {
        k += 2;
        if (k < n && is_tone(c[k])) k++;
        joined = 1;
    }
    if (joined) return k;
    return is_tone(c[p + 1]) ? p + 2 : 0;
}

/* Regional-indicator pairs and the three subdivision flags (England, Scotland, Wales). */
static int64_t m_flag(const uint32_t *c, int64_t n, int64_t p) {
    if (p + 1 < n && c[p] >= 0x1F1E6 && c[p] <= 0x1F1FF && c[p + 1] >= 0x1F1E6 && c[p + 1] <= 0x1F1FF) return p + 2;
    static const uint32_t tags[3][3] = {{0xE0065, 0xE006E, 0xE0067}, {0xE0073, 0xE0063, 0xE0074},
                                        {0xE0077, 0xE006C, 0xE0073}};
    if (c[p] != 0x1F3F4 || p + 6 >= n || c[p + 1] != 0xE0067 || c[p + 2] != 0xE0062 || c[p + 6] != 0xE007F) return 0;
    for (int f = 0; f < 3; f++)
        if (c[p + 3] == tags[f][0] && c[p + 4] == tags[f][1] && c[p + 5] == tags[f][2]) return p + 7;
    return 0;
}

/* [^\W\d_](?:[^\W\d_]|['\-_])+[^\W\d_]  (words with inner apostrophes, hyphens, underscores;
 * here U+2019 is an apostrophe too) */
static int64_t m_word(const uint32_t *c, int64_t n, int64_t p) {
    if (!is_letter(c[p])) return 0;
    int64_t k = p + 1, best = 0;
    while (k < n && (is_letter(c[k]) || c[k] == '\'' || c[k] == '-' || c[k] == '_' || c[k] == 0x2019)) {
        if (k >= p + 2 && is_letter(c[k])) best = k + 1;
        k++;
    }
    return best;
}

/* NLTK: [+\-]?\d+[,/.:-]\d+[+\-]?  Here: any number of separated digit groups, an exponent
 * (not followed by a word character), and a sign before bare digits when the sign does not
 * follow a word character ("-2", "+1e-5"; but "COVID-19" -> "COVID" "-" "19"). Bare unsigned
 * digits are left to \w+ (as NLTK: "123abc" is one token). */
static int64_t m_number(const uint32_t *c, int64_t n, int64_t p) {
    int64_t k = p;
    int sign = c[k] == '+' || c[k] == '-';
    k += sign;
    if (k >= n || !is_d(c[k])) return 0;
    while (k < n && is_d(c[k])) k++;
    int groups = 0, exp_sign = 0;
    while (k + 1 < n && in_set(c[k], ",/.:-") && is_d(c[k + 1])) {
        k += 2;
        while (k < n && is_d(c[k])) k++;
        groups++;
    }
    if (k < n && (c[k] == 'e' || c[k] == 'E')) {
        int64_t j = k + 1;
        int s = j < n && (c[j] == '+' || c[j] == '-');
        j += s;
        if (j < n && is_d(c[j])) {
            while (j < n && is_d(c[j])) j++;
            if (j >= n || !is_w(c[j])) k = j, exp_sign = s;
        }
    }
    if (!groups && !exp_sign) {
        if (!sign || (p > 0 && is_w(c[p - 1])) || (k < n && is_w(c[k]))) return 0;
    }
    if (k < n && (c[k] == '+' || c[k] == '-')) k++;
    return k;
}

/* [\w_]+ */
static int64_t m_wrun(const uint32_t *c, int64_t n, int64_t p) {
    int64_t k = p;
    while (k < n && is_w(c[k])) k++;
    return k;
}

/* \.(?:\s*\.){1,}  (an ellipsis, possibly spaced) */
static int64_t m_ellipsis(const uint32_t *c, int64_t n, int64_t p) {
    if (c[p] != '.') return 0;
    int64_t j = p + 1, best = 0;
    for (;;) {
        int64_t k = j;
        while (k < n && is_rs(c[k])) k++;
        if (k < n && c[k] == '.') {
            best = j = k + 1;
        } else {
            return best;
        }
    }
}

/* ---------------------------------------------------------------- output */

static int kind_of_char(uint32_t c) {
    int cat = tide_category(c);
    return (cat >= UTF8PROC_CATEGORY_PC && cat <= UTF8PROC_CATEGORY_PO) ? TIDE_TOKEN_PUNCT : TIDE_TOKEN_SYMBOL;
}
/* A \w+ token: a word when it has a letter, a number when digits, punctuation when only
 * underscores (connectors), else a symbol (a lone combining mark or joiner). */
static int wrun_kind(const uint32_t *c, int64_t a, int64_t b) {
    int digit = 0, connector = 0;
    for (int64_t k = a; k < b; k++) {
        int cat = c[k] < 0x80 ? (is_alpha_ascii(c[k]) ? UTF8PROC_CATEGORY_LL : 0) : tide_category(c[k]);
        if ((cat >= UTF8PROC_CATEGORY_LU && cat <= UTF8PROC_CATEGORY_LO) || cat == UTF8PROC_CATEGORY_NL)
            return TIDE_TOKEN_WORD;
        if (is_d(c[k])) digit = 1;
        else if (c[k] == '_' || cat == UTF8PROC_CATEGORY_PC) connector = 1;
    }
    return digit ? TIDE_TOKEN_NUMBER : connector ? TIDE_TOKEN_PUNCT : TIDE_TOKEN_SYMBOL;
}

/* A run of one punctuation mark is one token (NLTK: one token per character). */
static int runs_together(uint32_t c) {
    if (c < 0x80) return c > ' ' && c < 0x7F && !is_alnum_ascii(c);
    return kind_of_char(c) == TIDE_TOKEN_PUNCT;
}

/* Does the token contain an emoticon (NLTK keeps those as written when lowercasing)? */
static int has_emoticon(const uint32_t *c, int64_t a, int64_t b) {
    for (int64_t k = a; k < b; k++)
        if (m_emoticon(c, b, k)) return 1;
    return 0;
}

static int put_cps(tide_tokens *t, const uint32_t *c, int64_t a, int64_t b, int kind, int lower) {
    if (tide_tokens_reserve(t, 1, 4 * (b - a), "word_tokenize") < 0) return -1;
    int64_t at = t->offsets[t->n];
    char *d = t->text + at;
    for (int64_t i = a; i < b; i++) {
        uint32_t x = c[i];
        if (lower) x = x < 0x80 ? lower_ascii(x) : (uint32_t)utf8proc_tolower((utf8proc_int32_t)x);
        d += tide_utf8_put(x, d);
    }
    t->kinds[t->n] = (uint8_t)kind;
    t->offsets[++t->n] = d - t->text;
    return 0;
}

static inline int is_apos(uint32_t c) { return c == '\'' || c == 0x2019; }

/* Does c[a..b) spell word (ASCII, lowercase; '\'' matches either apostrophe), ignoring case? */
static int spells(const uint32_t *c, int64_t a, int64_t b, const char *word) {
    size_t len = strlen(word);
    if ((size_t)(b - a) != len) return 0;
    for (size_t i = 0; i < len; i++) {
        uint32_t x = c[a + (int64_t)i];
        if (word[i] == '\'' ? !is_apos(x) : lower_ascii(x) != (uint32_t)word[i]) return 0;
    }
    return 1;
}

/* Where Penn Treebank's tokeniser splits the word c[a..b): cut[] gets the piece boundaries
 * (a < cut[0] < ... < b), the count is returned. Its rules in its order: ENDING_QUOTES
 * ('s 'm 'd in either case, then 'll 're 've n't in lower or all-upper case, each after a
 * character that is no apostrophe), then CONTRACTIONS2 on the word left (cannot, d'ye, gimme,
 * gonna, gotta, lemme, more'n, wanna). U+2019 counts as an apostrophe. */
static int contraction_split(const uint32_t *c, int64_t a, int64_t b, int64_t cut[3]) {
    static const struct {
        const char *word;
        int at;
    } whole[] = {{"cannot", 3}, {"d'ye", 1}, {"gimme", 3}, {"gonna", 3}, {"gotta", 3},
                 {"lemme", 3},  {"more'n", 4}, {"wanna", 3}};
    int64_t end = b;
    int k = 0;
    int64_t tail[2];
    int tails = 0;
    if (end - a >= 3 && is_apos(c[end - 2]) && in_set(c[end - 1], "sSmMdD") && !is_apos(c[end - 3]))
        tail[tails++] = end -= 2;
    if (end - a >= 4) {
        uint32_t x = c[end - 3], y = c[end - 2], z = c[end - 1];
        int s = (is_apos(x) && ((y == 'l' && z == 'l') || (y == 'L' && z == 'L') || (y == 'r' && z == 'e') ||
                                (y == 'R' && z == 'E') || (y == 'v' && z == 'e') || (y == 'V' && z == 'E'))) ||
                (x == 'n' && is_apos(y) && z == 't') || (x == 'N' && is_apos(y) && z == 'T');
        if (s && !is_apos(c[end - 4])) tail[tails++] = end -= 3;
    }
    for (size_t i = 0; i < sizeof whole / sizeof whole[0]; i++)
        if (spells(c, a, end, whole[i].word)) {
            cut[k++] = a + whole[i].at;
            break;
        }
    while (tails) cut[k++] = tail[--tails];
    return k;
}

static int emit(tide_tokens *t, const tide_word_tokenizer_opts *o, const uint32_t *c, int64_t a, int64_t b,
                int kind) {
    if (kind == TIDE_TOKEN_URL && o->strip_urls) return 0;
    int lower = !o->preserve_case && !has_emoticon(c, a, b);
    if (kind == TIDE_TOKEN_WORD && o->split_contractions) {
        int64_t cut[3];
        int k = contraction_split(c, a, b, cut);
        for (int i = 0; i < k; i++) {
            if (put_cps(t, c, a, cut[i], kind, lower) < 0) return -1;
            a = cut[i];
        }
    }
    return put_cps(t, c, a, b, kind, lower);
}

/* ---------------------------------------------------------------- the tokeniser */

void tide_word_tokenizer_defaults(tide_word_tokenizer_opts *o) {
    if (!o) return;
    memset(o, 0, sizeof *o);
    o->preserve_case = 1;
    o->html_entities = 1;
    o->phone_numbers = 1;
}

int64_t tide_word_tokenize(const char *s, int64_t len, const tide_word_tokenizer_opts *o, tide_tokens *t) {
    const char *op = "word_tokenize";
    tide_word_tokenizer_opts def;
    if (!o) {
        tide_word_tokenizer_defaults(&def);
        o = &def;
    }
    if (!t) return TIDE_FAIL("%s: the token buffer is NULL", op);
    if (len < 0) return TIDE_FAIL("%s: length %lld is negative", op, (long long)len);
    if (!s && len > 0) return TIDE_FAIL("%s: the text is NULL", op);
    uint32_t *c = tide_tokens_scratch(t, 4 * (len + 1), op);
    if (!c) return -1;
    int64_t n = tide_utf8_decode(s ? s : "", len, c);
    if (n < 0) return tide_utf8_fail(op, n);
    if (o->html_entities) n = decode_entities(c, n);
    if (o->strip_handles) n = remove_handles(c, n);
    if (o->reduce_len) n = cap_runs(c, n, 1);
    n = cap_runs(c, n, 0);

    int64_t n0 = t->n;
    for (int64_t p = 0; p < n;) {
        int64_t e;
        int kind;
        if (is_rs(c[p])) {
            if (p + 1 < n && (c[p + 1] == 0x200D || is_tone(c[p + 1])) && (e = m_zwj(c, n, p))) {
                kind = TIDE_TOKEN_SYMBOL;
            } else {
                p++;
                continue;
            }
        } else if ((e = m_url(c, n, p))) {
            kind = TIDE_TOKEN_URL;
        } else if (o->phone_numbers && (e = m_phone(c, n, p))) {
            kind = TIDE_TOKEN_NUMBER;
        } else if ((e = m_emoticon(c, n, p))) {
            kind = TIDE_TOKEN_EMOTICON;
        } else if ((e = m_tag(c, n, p))) {
            kind = TIDE_TOKEN_SYMBOL;
        } else if ((e = m_arrow(c, n, p))) {
            kind = TIDE_TOKEN_PUNCT;
        } else if ((e = m_mention(c, n, p))) {
            kind = TIDE_TOKEN_MENTION;
        } else if ((e = m_hashtag(c, n, p))) {
            kind = TIDE_TOKEN_HASHTAG;
        } else if ((e = m_email(c, n, p))) {
            kind = TIDE_TOKEN_EMAIL;
        } else if ((e = m_zwj(c, n, p)) || (e = m_flag(c, n, p))) {
            kind = TIDE_TOKEN_SYMBOL;
        } else if ((e = m_word(c, n, p))) {
            kind = TIDE_TOKEN_WORD;
        } else if ((e = m_number(c, n, p))) {
            kind = TIDE_TOKEN_NUMBER;
        } else if ((e = m_wrun(c, n, p)) > p) {
            kind = wrun_kind(c, p, e);
        } else if ((e = m_ellipsis(c, n, p))) {
            kind = TIDE_TOKEN_PUNCT;
        } else {
            e = p + 1;
            if (runs_together(c[p]))
                while (e < n && c[e] == c[p]) e++;
            kind = kind_of_char(c[p]);
        }
        if (emit(t, o, c, p, e, kind) < 0) {
            t->n = n0;
            return -1;
        }
        p = e;
    }
    return t->n - n0;
}
