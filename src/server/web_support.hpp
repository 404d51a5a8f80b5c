// What the server's HTML pages share (the dashboard and the requester's portal): templates from
// data/web/, form bodies, cookies, and a page answer with the headers every page carries.
#pragma once

#include <mstch/mstch.hpp>

#include <map>
#include <string>
#include <string_view>

#include "server/http_server.hpp"
#include "server/url_text.hpp"

namespace maestro {

// A file of data/web/ (compiled in), e.g. "en/layout.mustache"; empty when there is none.
std::string web_file(const std::string& name);
// An application/x-www-form-urlencoded body; a repeated field keeps its first value.
std::map<std::string, std::string> parse_form(std::string_view body);
std::string cookie_value(const HttpRequest& r, const std::string& name);
// The page `content` (data/web/en/<content>.mustache) inside the layout, every value escaped,
// with a Content-Security-Policy that allows no script, no framing and forms to this origin only.
HttpResponse html_page(int status, const std::string& title, const std::string& content, mstch::map context);
// A POST whose Origin is another site's (or "null"): refuse it before anything else.
bool cross_site_post(const HttpRequest& r, bool secure);

}  // namespace maestro
