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

namespace maestro {

std::string render_plain_text(const std::string& tmpl, const mstch::map& context);
std::string render_html(const std::string& tmpl, const mstch::map& context,
                        const std::map<std::string, std::string>& partials = {});

}  // namespace maestro
