#ifndef FEDREPORT_CCURL_SHIM_H
#define FEDREPORT_CCURL_SHIM_H

#include <curl/curl.h>
#include <stdint.h>

// Swift cannot call C variadic functions, so every curl_easy_setopt and curl_easy_getinfo form
// fedreport uses gets a typed, non-variadic wrapper here.

typedef size_t (*fed_curl_write_callback)(char *ptr, size_t size, size_t nmemb, void *userdata);
typedef int (*fed_curl_xferinfo_callback)(void *clientp, curl_off_t dltotal, curl_off_t dlnow,
                                          curl_off_t ultotal, curl_off_t ulnow);

static inline CURLcode fed_curl_setopt_long(CURL *curl, CURLoption option, long value) {
    return curl_easy_setopt(curl, option, value);
}

static inline CURLcode fed_curl_setopt_string(CURL *curl, CURLoption option, const char *value) {
    return curl_easy_setopt(curl, option, value);
}

static inline CURLcode fed_curl_setopt_pointer(CURL *curl, CURLoption option, void *value) {
    return curl_easy_setopt(curl, option, value);
}

static inline CURLcode fed_curl_setopt_slist(CURL *curl, CURLoption option, struct curl_slist *value) {
    return curl_easy_setopt(curl, option, value);
}

static inline CURLcode fed_curl_setopt_off_t(CURL *curl, CURLoption option, curl_off_t value) {
    return curl_easy_setopt(curl, option, value);
}

static inline CURLcode fed_curl_setopt_write_function(CURL *curl, fed_curl_write_callback cb) {
    return curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, cb);
}

static inline CURLcode fed_curl_setopt_header_function(CURL *curl, fed_curl_write_callback cb) {
    return curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, cb);
}

static inline CURLcode fed_curl_setopt_xferinfo_function(CURL *curl, fed_curl_xferinfo_callback cb) {
    return curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, cb);
}

static inline CURLcode fed_curl_getinfo_long(CURL *curl, CURLINFO info, long *value) {
    return curl_easy_getinfo(curl, info, value);
}

static inline CURLcode fed_curl_getinfo_double(CURL *curl, CURLINFO info, double *value) {
    return curl_easy_getinfo(curl, info, value);
}

static inline CURLcode fed_curl_getinfo_off_t(CURL *curl, CURLINFO info, curl_off_t *value) {
    return curl_easy_getinfo(curl, info, value);
}

// The write callback's "pause" and "error" return values, as constants Swift can see.
static inline size_t fed_curl_writefunc_error(void) { return (size_t)-1; }

#endif
