#include "server/portal.hpp"

#include "desk/portal.hpp"
#include "desk/verification_service.hpp"
#include "server/api_support.hpp"
#include "server/web_support.hpp"
#include "sinks/s3_sink.hpp"

namespace maestro {

namespace {

std::string public_url(const Settings& settings, const HttpRequest& r, bool secure) {
  if (!settings.server.public_url.empty()) return settings.server.public_url;
  auto host = r.headers.find("host");
  return std::string(secure ? "https://" : "http://") +
         (host == r.headers.end() ? settings.server.listen : host->second);
}

// The request form's fields, from a body with repeated "wish" fields.
PortalSubmission read_submission(const std::string& body, bool gpc) {
  PortalSubmission s;
  std::map<std::string, std::string> form = parse_form(body);
  auto get = [&](const char* key) { return form.count(key) ? form.at(key) : std::string(); };
  s.name = get("name");
  s.email = get("email");
  if (!get("customer_id").empty()) s.other_identifiers.push_back("customer_id:" + get("customer_id"));
  if (!get("phone").empty()) s.other_identifiers.push_back("phone:" + get("phone"));
  s.residence = get("residence");
  s.formats = get("formats");
  s.language = get("language");
  s.details = get("details");
  s.gpc = gpc;
  for (std::size_t start = 0; start <= body.size();) {  // every "wish", not only the first
    std::size_t end = std::min(body.find('&', start), body.size());
    std::string_view pair = std::string_view(body).substr(start, end - start);
    if (pair.starts_with("wish=")) s.wishes.push_back(url_decode(pair.substr(5)));
    start = end + 1;
  }
  return s;
}

mstch::map form_context(const Settings& settings, const PortalSubmission& s) {
  mstch::array wishes, residences;
  for (const auto& [value, label] : portal_wishes()) {
    bool checked =
        std::find(s.wishes.begin(), s.wishes.end(), value) != s.wishes.end() || (s.gpc && value == "opt-out");
    wishes.push_back(mstch::map{{"value", value}, {"label", label}, {"checked", checked}});
  }
  for (const auto& [value, label] : portal_residences())
    residences.push_back(mstch::map{{"value", value}, {"label", label}, {"selected", value == s.residence}});
  mstch::array languages;
  std::string chosen = s.language.empty() ? settings.language : s.language;
  for (const auto& [value, label] : portal_languages())
    languages.push_back(mstch::map{{"value", value}, {"label", label}, {"selected", value == chosen}});
  std::string customer, phone;
  for (const auto& id : s.other_identifiers) {
    if (id.starts_with("customer_id:")) customer = id.substr(12);
    if (id.starts_with("phone:")) phone = id.substr(6);
  }
  return mstch::map{{"organisation", settings.organisation},
                    {"name", s.name},
                    {"email", s.email},
                    {"customer_id", customer},
                    {"phone", phone},
                    {"details", s.details},
                    {"wishes", wishes},
                    {"residences", residences},
                    {"languages", languages},
                    {"gpc", s.gpc}};
}

}  // namespace

Portal::Portal(const Installation& installation, const Clock& clock, const DataMap* map)
    : m_installation(installation), m_clock(clock), m_map(map) {}

HttpResponse Portal::handle(const HttpRequest& r, CaseStore& store, bool secure, std::string& route) {
  const Settings& settings = m_installation.settings;
  Desk desk(store, *m_installation.keys, m_installation.policy, m_clock, "portal");
  auto message = [&](int status, const std::string& heading, const std::string& text) {
    return html_page(status, heading, "message",
                     {{"heading", heading},
                      {"text", text},
                      {"link_href", std::string("/portal")},
                      {"link_text", std::string("Make a new request")}});
  };
  if (cross_site_post(r, secure)) {
    route = "/portal (cross-site)";
    return message(403, "Not allowed", "This form was sent from another site.");
  }
  bool gpc = r.headers.count("sec-gpc") && r.headers.at("sec-gpc") == "1";
  auto parts = split_path(r.path);
  if (parts.size() == 1) {
    route = "/portal";
    if (r.method == "GET") {
      PortalSubmission empty;
      empty.gpc = gpc;
      empty.residence = "uk";
      return html_page(200, "Your privacy request", "portal-form", form_context(settings, empty));
    }
    if (r.method != "POST") return message(405, "Not allowed", "Use the form.");
    PortalSubmission submission = read_submission(r.body, gpc);
    auto opened = Correspondence::open(desk, settings);
    if (!opened) return message(503, "Unavailable", "We cannot send email just now: please try again later.");
    Correspondence& mail = **opened;
    auto receipt = submit_portal_request(desk, mail, submission, public_url(settings, r, secure), "gdpr");
    if (!receipt) {
      if (receipt.error().code != ErrorCode::invalid_argument)
        return message(503, "Unavailable", "Your request could not be logged just now: please try again later.");
      mstch::map context = form_context(settings, submission);
      context.emplace("problem", receipt.error().message);
      return html_page(400, "Your privacy request", "portal-form", context);
    }
    std::string path = receipt->status_url.substr(receipt->status_url.find("/portal/s/"));
    return redirect_to(path + "?sent=1");
  }
  if (parts.size() >= 3 && parts[1] == "s") {
    route = parts.size() == 3 ? "/portal/s/{secret}" : "/portal/s/{secret}/" + parts[3];
    auto view = desk.case_by_status_link(parts[2]);
    if (!view) return message(503, "Unavailable", "Please try again later.");
    if (!*view) {
      route = "/portal/s (unknown)";
      return message(404, "This link does not work", "Check that you copied the whole link from our email.");
    }
    const std::string base = "/portal/s/" + parts[2];
    const std::string number = (*view)->c.number;
    if (parts.size() == 4 && r.method == "POST") {
      if (parts[3] == "code") {
        auto form = parse_form(r.body);
        auto opened = Correspondence::open(desk, settings);
        if (!opened) return message(503, "Unavailable", "Please try again later.");
        auto checked = check_code(desk, **opened, number, form.count("code") ? form.at("code") : "");
        if (!checked)
          return redirect_to(base +
                             "?code=" + (checked.error().code == ErrorCode::invalid_argument ? "invalid" : "refused"));
        return redirect_to(base + (checked->passed ? "?code=ok" : "?code=wrong"));
      }
      if (parts[3] == "download-code") {
        auto opened = Correspondence::open(desk, settings);
        if (!opened) return message(503, "Unavailable", "We cannot send email just now.");
        Correspondence& mail = **opened;
        auto window = download_window(**view, m_clock.now(), std::chrono::hours{settings.server.download_hours},
                                      settings.server.download_limit);
        if (!window.open) return redirect_to(base);
        auto sent = send_download_code(desk, mail, **view);
        return redirect_to(base + (sent ? "?download=sent" : "?download=unavailable"));
      }
      if (parts[3] == "download") {
        auto form = parse_form(r.body);
        auto session = unlock_download(desk, **view, form.count("code") ? form.at("code") : "");
        if (!session) return redirect_to(base + "?download=refused");
        // The cookie works only for this request's pages, for 15 minutes, in this browser.
        HttpResponse out = redirect_to(base + "/package");
        out.headers.emplace_back("Set-Cookie", "maestro_download=" + *session + "; Path=" + base +
                                                   "; HttpOnly; SameSite=Strict; Max-Age=900" +
                                                   (secure ? "; Secure" : ""));
        return out;
      }
      if (parts[3] == "answers") {
        if (!m_map || settings.server.portal_questions.empty()) return redirect_to(base);
        auto form = parse_form(r.body);
        KnowledgeAnswers answers;
        for (std::size_t i = 0; i < settings.server.portal_questions.size(); ++i) {
          auto it = form.find("q" + std::to_string(i));
          if (it != form.end() && !it->second.empty())
            answers.answers[settings.server.portal_questions[i].field] = it->second.substr(0, 200);
        }
        if (answers.answers.empty()) return redirect_to(base + "?answers=empty");
        auto opened = Correspondence::open(desk, settings);
        if (!opened) return message(503, "Unavailable", "Please try again later.");
        auto checked = check_knowledge(desk, **opened, *m_map, number, answers);
        if (!checked) return redirect_to(base + "?answers=unavailable");
        return redirect_to(base + (checked->passed || checked->view.c.state == CaseState::verified ? "?answers=ok"
                                                                                                   : "?answers=wrong"));
      }
      if (parts[3] == "resend") {
        auto opened = Correspondence::open(desk, settings);
        if (!opened) return message(503, "Unavailable", "We cannot send email just now.");
        Correspondence& mail = **opened;
        auto started = start_verification(desk, mail, number, "email-code", "");
        return redirect_to(base + (started ? "?sent=1" : "?code=refused"));
      }
    }
    if (parts.size() == 4 && parts[3] == "package" && r.method == "GET") {
      route = "/portal/s/{secret}/package";
      auto package = take_download(desk, **view, cookie_value(r, "maestro_download"),
                                   std::chrono::hours{settings.server.download_hours}, settings.server.download_limit);
      if (!package)
        return message(http_status_for(package.error().code), "The download is not open", package.error().message);
      const std::string& where = package->destination;
      if (where.starts_with("s3://")) {
        // A presigned address for that one object, valid 5 minutes and never past the window.
        auto location = parse_s3_url(where.substr(0, where.rfind('/') + 1));
        auto config = s3_config_from_environment();
        if (!location || !config) return message(503, "Unavailable", "The package store cannot be reached just now.");
        auto window = download_window(**view, m_clock.now(), std::chrono::hours{settings.server.download_hours},
                                      settings.server.download_limit + 1);
        auto left = std::chrono::duration_cast<std::chrono::seconds>(window.closes_at - m_clock.now());
        auto url =
            presign_s3_get(*config, location->bucket, where.substr(5 + location->bucket.size() + 1), m_clock.now(),
                           std::min(std::chrono::seconds{300}, std::max(left, std::chrono::seconds{1})));
        if (!url) return message(503, "Unavailable", "The package store cannot be reached just now.");
        return redirect_to(*url);
      }
      HttpResponse out{200, "application/zip", "", {}};
      out.file = where;
      std::string name = where.substr(where.find_last_of('/') + 1);
      out.headers.emplace_back("Content-Disposition", "attachment; filename=\"" + name + "\"");
      return out;
    }
    if (parts.size() != 3 || r.method != "GET") return message(404, "Not found", "There is no such page.");
    const CaseView& v = **view;
    RequesterStatus status = requester_status(v, m_installation.policy);
    std::string rights = rights_in_words(v.c);
    mstch::map context{{"headline", status.headline},
                       {"explanation", status.explanation},
                       {"number", v.c.number},
                       {"received", format_date(date_of(v.c.received_at))},
                       {"rights", rights},
                       {"legal_due", format_date(v.deadlines.legal_due)},
                       {"base", base},
                       {"enter_code", status.next_step == "enter-code"},
                       {"answer_questions", status.next_step == "answer-questions"}};
    if (status.next_step == "answer-questions" && m_map && !settings.server.portal_questions.empty()) {
      mstch::array questions;
      for (std::size_t i = 0; i < settings.server.portal_questions.size(); ++i)
        questions.push_back(
            mstch::map{{"name", "q" + std::to_string(i)}, {"question", settings.server.portal_questions[i].question}});
      context.emplace("questions", questions);
      context.emplace("has_questions", true);
    }
    if (auto said_answers = r.query.find("answers"); said_answers != r.query.end()) {
      if (said_answers->second == "ok")
        context.emplace("notice", std::string("Thank you: your answers match our records."));
      else if (said_answers->second == "wrong")
        context.emplace(
            "problem",
            std::string(
                "Your answers do not match our records. After two failed checks we have to refuse the request."));
      else if (said_answers->second == "empty")
        context.emplace("problem", std::string("Answer at least one question."));
      else
        context.emplace("problem", std::string("We cannot check answers just now: please try again later."));
    }
    if (v.c.state == CaseState::fulfilled && !v.c.deliveries.empty()) {
      auto window = download_window(v, m_clock.now(), std::chrono::hours{settings.server.download_hours},
                                    settings.server.download_limit);
      if (window.open) {
        context.emplace("download_open", true);
        context.emplace("download_closes", format_instant(window.closes_at));
        context.emplace("downloads_left", std::to_string(window.left));
        context.emplace("download_code_sent", r.query.count("download") && r.query.at("download") == "sent");
      } else {
        context.emplace("download_closed", window.why_not);
      }
      if (r.query.count("download") && r.query.at("download") == "refused")
        context.emplace("problem", std::string("That code is not right, or it expired: ask for a new one."));
    }
    auto said = r.query.find("code");
    if (r.query.count("sent"))
      context.emplace("notice", std::string("We emailed you a code. It works once and for a short time."));
    if (said != r.query.end()) {
      if (said->second == "ok")
        context.emplace("notice", std::string("Thank you: your email address is confirmed."));
      else if (said->second == "wrong")
        context.emplace("problem", std::string("That code is not right. Check the latest email from us; after two "
                                               "wrong codes we have to refuse the request."));
      else if (said->second == "invalid")
        context.emplace("problem", std::string("A code is digits only."));
      else
        context.emplace("problem", std::string("That code has expired or was used already: ask for a new one."));
    }
    return html_page(200, status.headline, "portal-status", context);
  }
  route = "/portal (not found)";
  return message(404, "Not found", "There is no such page.");
}

}  // namespace maestro
