// Mustache rendering (mstch) for both kinds of text Maestro writes: plain-text letters, where
// nothing may be escaped, and HTML pages, where every value must be. mstch keeps its escape
// function in one process-wide setting; changing it per call would race between threads and
// leave pages unescaped after a letter (a script injection). Both calls here share one escape
// function, installed once, that asks which kind of text the current thread is rendering.
//
//   std::string letter = render_plain_text(template_text, context);
//   std::string page = render_html(layout, context, {{"content", page_template}});
#pragma once

#include <mstch/mstch.hpp>

#include <map>
#include <string>
#include <string_view>

#include "common/result.hpp"

namespace maestro {

std::string render_plain_text(const std::string& tmpl, const mstch::map& context);
std::string render_html(const std::string& tmpl, const mstch::map& context,
                        const std::map<std::string, std::string>& partials = {});

// Checks a template's Mustache syntax before it is ever rendered: every "{{" closed, every
// section {{#x}} / {{^x}} closed by {{/x}} in order, tag names of letters, digits, '_', '-' and
// '.', no delimiter changes. A failure names `origin` and the line ("fr/refusal.mustache:7: ...").
// mstch itself renders a broken template without a word, as blanks.
Status check_mustache(std::string_view text, const std::string& origin, bool partials_allowed = false);

}  // namespace maestro
