#include "datamap/datamap.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>

#include "support/test_support.hpp"

namespace maestro {
namespace {

// The 1-based line of the first occurrence of `needle` in `text`.
std::string line_of(const std::string& text, const std::string& needle) {
  auto pos = text.find(needle);
  return std::to_string(std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(pos), '\n') + 1);
}

// Writes a datamap.yaml into a temporary folder and loads it.
class DataMapTest : public ::testing::Test {
 protected:
  Result<DataMap> load(const std::string& yaml, const Taxonomy* taxonomy = nullptr) {
    std::ofstream(dir / "datamap.yaml") << yaml;
    return load_data_map(dir / "datamap.yaml", taxonomy);
  }
  testing::TempDir dir;
};

const char* k_shop = R"yaml(systems:
  - name: shop
    store: {type: sqlite, path: shop.db}
    collections:
      - name: customer
        purpose: Running the customer's account
        legal_basis: contract
        recipients: [Stripe]
        fields:
          - {name: id, primary_key: true, categories: [user.unique_id], identity: customer_id}
          - {name: email, categories: [user.contact.email], identity: email, erasure: {strategy: redact, text: "[erased]"}}
          - {name: support_rep_id, categories: [user.unique_id], other_person: true}
      - name: invoice
        erasure: {strategy: retain, reason: "Tax law (7 years)", period: 7 years}
        fields:
          - {name: id, primary_key: true}
          - name: customer_id
            references: [{field: customer.id, direction: from}]
          - name: payload
            fields:
              - {name: customerName, categories: [user.name]}
      - name: invoice_line
        fields:
          - name: invoice_id
            references: [{field: invoice.id, direction: from}]
)yaml";

TEST_F(DataMapTest, LoadsSystemsCollectionsFieldsAndReferences) {
  auto map = load(k_shop);
  ASSERT_TRUE(map) << map.error().message;
  ASSERT_EQ(map->systems.size(), 1u);
  EXPECT_EQ(map->systems[0].store.settings.at("path"), (dir / "shop.db").string());
  const Collection* customer = map->collection("shop.customer");
  ASSERT_NE(customer, nullptr);
  EXPECT_EQ(customer->recipients, std::vector<std::string>{"Stripe"});
  EXPECT_TRUE(customer->field("support_rep_id")->other_person);
  EXPECT_EQ(customer->field("email")->erasure->action, ErasureAction::redact);
  EXPECT_NE(map->collection("shop.invoice")->field("payload.customerName"), nullptr);
  EXPECT_EQ(map->collection("shop.invoice")->erasure->retain_for, (Duration{7, DurationUnit::years}));
  ASSERT_EQ(map->references.size(), 2u);
  EXPECT_EQ(map->references[0].from, (FieldRef{"shop.customer", "id"}));
  EXPECT_EQ(map->references[0].to, (FieldRef{"shop.invoice", "customer_id"}));
  EXPECT_EQ(map->identity_kinds(), (std::set<std::string>{"customer_id", "email"}));
}

// California DROP's composite lists (NDZ, NameVIN) need the fields that hold each part.
TEST_F(DataMapTest, FieldsMayNameTheirPartOfADropCompositeIdentifier) {
  std::string yaml = k_shop;
  const std::string email = "{name: email, ";
  yaml.replace(yaml.find(email), email.size(),
               "{name: first_name, categories: [user.name], drop: first_name}\n          - {name: email, ");
  auto map = load(yaml);
  ASSERT_TRUE(map) << map.error().message;
  EXPECT_EQ(map->collection("shop.customer")->field("first_name")->drop_part, "first_name");
  yaml.replace(yaml.find("drop: first_name"), 16, "drop: shoe_size");
  auto wrong = load(yaml);
  ASSERT_FALSE(wrong);
  EXPECT_NE(wrong.error().message.find("datamap.yaml:11: 'drop' names a part of a DROP composite identifier"),
            std::string::npos)
      << wrong.error().message;
}

// Article 15(1)(h) and 15(2), and the words a requester reads instead of column names.
TEST_F(DataMapTest, CollectionsAndSystemsSayAutomatedDecisionsTransfersAndFieldLabels) {
  std::string yaml = k_shop;
  yaml.replace(yaml.find("    collections:"), 16,
               "    transfers: [{country: United States, recipient: Stripe, safeguard: standard_contractual_clauses}]\n"
               "    automated_decisions: none\n    collections:");
  yaml.replace(yaml.find("        recipients: [Stripe]"), 28,
               "        recipients: [Stripe]\n        description: Your account\n"
               "        automated_decisions:\n"
               "          - {name: Fraud score, logic: Amount and postcode, significance: A held order is checked}");
  yaml.replace(yaml.find("{name: email, "), 14, "{name: email, label: Email address, description: Where we write, ");
  yaml.replace(yaml.find("      - name: invoice_line"), 26,
               "      - name: invoice_line\n        transfers: none\n        recipients: []");
  auto map = load(yaml);
  ASSERT_TRUE(map) << map.error().message;
  const Collection& customer = *map->collection("shop.customer");
  EXPECT_EQ(customer.description, "Your account");
  EXPECT_EQ(customer.field("email")->label, "Email address");
  EXPECT_EQ(customer.field("email")->description, "Where we write");
  ASSERT_TRUE(customer.automated_decisions);
  ASSERT_EQ(customer.automated_decisions->size(), 1u);
  EXPECT_EQ((*customer.automated_decisions)[0].significance, "A held order is checked");
  ASSERT_TRUE(customer.transfers);  // from the system
  EXPECT_EQ((*customer.transfers)[0].safeguard, "standard_contractual_clauses");
  const Collection& invoice = *map->collection("shop.invoice");
  ASSERT_TRUE(invoice.automated_decisions);  // the system's "none"
  EXPECT_TRUE(invoice.automated_decisions->empty());
  const Collection& line = *map->collection("shop.invoice_line");
  ASSERT_TRUE(line.transfers);
  EXPECT_TRUE(line.transfers->empty());
  EXPECT_TRUE(line.recipients_stated);
  EXPECT_FALSE(invoice.recipients_stated);
  EXPECT_EQ(invoice.article15_gaps(), (std::vector<std::string>{"purpose", "legal basis", "recipients", "source"}));
  EXPECT_EQ(customer.article15_gaps(), (std::vector<std::string>{"retention", "source"}));

  auto wrong = [&](const std::string& from, const std::string& to) {
    std::string bad = yaml;
    bad.replace(bad.find(from), from.size(), to);
    auto loaded = load(bad);
    EXPECT_FALSE(loaded) << to;
    return loaded ? std::string() : loaded.error().message;
  };
  std::string safeguard = wrong("safeguard: standard_contractual_clauses", "safeguard: trust_us");
  EXPECT_NE(safeguard.find("datamap.yaml:4: a transfer's 'safeguard' is one of adequacy,"), std::string::npos)
      << safeguard;
  EXPECT_NE(wrong("country: United States, ", "").find("needs the 'country'"), std::string::npos);
  EXPECT_NE(wrong(", significance: A held order is checked", "").find("'significance'"), std::string::npos);
  EXPECT_NE(wrong("automated_decisions: none", "automated_decisions: never").find("'none' or a list"),
            std::string::npos);
  EXPECT_NE(wrong("recipients: [Stripe]", "recipients: Stripe").find("'recipients' is a list"), std::string::npos);
}

TEST_F(DataMapTest, ADanglingReferenceIsAnErrorWithItsLine) {
  std::string yaml = k_shop;
  yaml.replace(yaml.find("field: invoice.id"), 17, "field: invoices.id");
  auto map = load(yaml);
  ASSERT_FALSE(map);
  EXPECT_NE(map.error().message.find("datamap.yaml:" + line_of(yaml, "field: invoices.id")), std::string::npos)
      << map.error().message;
  EXPECT_NE(map.error().message.find("invoices.id"), std::string::npos);
}

TEST_F(DataMapTest, AReferenceOfTheWrongShapeIsNamedWithItsLine) {
  std::string yaml = k_shop;
  yaml.replace(yaml.find("references: [{field: customer.id, direction: from}]"), 51,
               "references: {field: customer.id, direction: from}");
  auto map = load(yaml);
  ASSERT_FALSE(map);
  EXPECT_NE(map.error().message.find("datamap.yaml:" + line_of(yaml, "references: {field: customer.id") +
                                     ": 'references' is a list"),
            std::string::npos)
      << map.error().message;
}

TEST_F(DataMapTest, AnotherPersonsFieldCannotLeadToRecords) {
  std::string yaml = k_shop;
  const std::string reference = "references: [{field: customer.id, direction: from}]";
  yaml.replace(yaml.find(reference), reference.size(), "other_person: true\n            " + reference);
  auto map = load(yaml);
  ASSERT_FALSE(map);
  EXPECT_NE(map.error().message.find("holds another person's data (other_person): it cannot lead to other records"),
            std::string::npos)
      << map.error().message;
}

TEST_F(DataMapTest, AnUnreachableCollectionIsAnError) {
  auto map = load(std::string(k_shop) + "      - name: audit\n        fields: [{name: note}]\n");
  ASSERT_FALSE(map);
  EXPECT_NE(map.error().message.find("shop.audit cannot be reached"), std::string::npos);
}

TEST_F(DataMapTest, InlineCredentialsAreRefused) {
  auto map = load(
      "systems:\n  - name: crm\n    store: {type: postgres, host: db, password: hunter2}\n"
      "    collections: [{name: c, fields: [{name: email, identity: email}]}]\n");
  ASSERT_FALSE(map);
  EXPECT_NE(map.error().message.find("password_env"), std::string::npos);
  EXPECT_EQ(map.error().message.find("hunter2"), std::string::npos);
}

TEST_F(DataMapTest, RetainNeedsAReasonAndAPeriod) {
  auto map = load(
      "systems:\n  - name: a\n    store: {type: sqlite, path: a.db}\n    collections:\n"
      "      - {name: c, erasure: retain, fields: [{name: email, identity: email}]}\n");
  ASSERT_FALSE(map);
  EXPECT_NE(map.error().message.find("legal 'reason'"), std::string::npos);
}

TEST_F(DataMapTest, UnknownStoreTypeAndMalformedYaml) {
  EXPECT_NE(
      load("systems:\n  - name: a\n    store: {type: oracle}\n").error().message.find("unknown store type 'oracle'"),
      std::string::npos);
  EXPECT_NE(load("systems: [\n").error().message.find("datamap.yaml:"), std::string::npos);
  EXPECT_EQ(load_data_map(dir / "absent.yaml").error().code, ErrorCode::not_found);
}

TEST_F(DataMapTest, AnObjectStoreNeedsABucketAndTheFormatOfItsObjects) {
  auto store = [&](const std::string& settings) {
    return load("systems:\n  - name: a\n    store: {type: s3" + settings +
                "}\n    collections:\n      - {name: c, source: '*.gz', fields: [{name: email, identity: email}]}\n");
  };
  auto good = store(", bucket: acme-logs, prefix: web, format: textlog, match: exact");
  ASSERT_TRUE(good) << good.error().message;
  EXPECT_EQ(good->systems[0].store.settings.at("prefix"), "web/");
  EXPECT_EQ(good->systems[0].store.line_format(), "textlog");
  EXPECT_FALSE(good->systems[0].store.matches_by_kind());
  EXPECT_NE(store(", format: jsonl").error().message.find("needs a 'bucket'"), std::string::npos);
  EXPECT_NE(store(", bucket: Acme_Logs, format: jsonl").error().message.find("needs a 'bucket'"), std::string::npos);
  EXPECT_NE(store(", bucket: acme-logs").error().message.find("a 'format' of its objects: jsonl, csv or textlog"),
            std::string::npos);
  EXPECT_NE(store(", bucket: acme-logs, format: jsonl, prefix: ../x").error().message.find("no '..'"),
            std::string::npos);
  EXPECT_NE(store(", bucket: acme-logs, format: jsonl, secret_key: abc").error().message.find("secret_key_env"),
            std::string::npos);
  EXPECT_NE(store(", bucket: acme-logs, format: csv, match: exact").error().message.find("belongs to a textlog"),
            std::string::npos);
}

TEST_F(DataMapTest, CategoriesAreCheckedAgainstTheFideslangTaxonomy) {
  MAESTRO_REQUIRE_DATASETS_OR_SKIP(datasets);
  auto taxonomy = Taxonomy::load(datasets / "fides/fideslang_data_categories.yml");
  ASSERT_TRUE(taxonomy) << taxonomy.error().message;
  EXPECT_GT(taxonomy->size(), 80u);
  EXPECT_TRUE(load(k_shop, &*taxonomy));
  std::string yaml = k_shop;
  yaml.replace(yaml.find("user.contact.email"), 18, "user.contact.emale");
  auto map = load(yaml, &*taxonomy);
  ASSERT_FALSE(map);
  EXPECT_NE(map.error().message.find("unknown data category 'user.contact.emale'"), std::string::npos);
  EXPECT_NE(map.error().message.find("datamap.yaml:" + line_of(yaml, "user.contact.emale")), std::string::npos)
      << map.error().message;
}

TEST_F(DataMapTest, AFidesDatasetFileLoadsUnchanged) {
  MAESTRO_REQUIRE_DATASETS_OR_SKIP(datasets);
  auto map = load("taxonomy: " + (datasets / "fides/fideslang_data_categories.yml").string() +
                  "\nsystems:\n  - name: fides_shop\n    store: {type: postgres, host: 127.0.0.1, database: shop, "
                  "password_env: PGPASSWORD}\n    fides_dataset: " +
                  (datasets / "fides/postgres_example_test_dataset.yml").string() + "\n");
  ASSERT_TRUE(map) << map.error().message;
  for (const char* c : {"customer", "address", "orders", "order_item", "payment_card", "login", "visit",
                        "service_request", "employee", "product"}) {
    EXPECT_NE(map->collection(std::string("fides_shop.") + c), nullptr) << c;
  }
  EXPECT_TRUE(map->identity_kinds().contains("email"));
  // The taxonomy's words for the categories used, for the requester's report.
  EXPECT_EQ(map->category_texts.at("user.contact.email").name, "User Contact Email");
  EXPECT_FALSE(map->category_texts.at("user.contact.email").description.empty());
  // orders.customer_id references customer.id with direction "from": customer leads to orders.
  bool customer_to_orders = std::any_of(map->references.begin(), map->references.end(), [](const Reference& r) {
    return r.from == FieldRef{"fides_shop.customer", "id"} && r.to == FieldRef{"fides_shop.orders", "customer_id"};
  });
  EXPECT_TRUE(customer_to_orders);
  // The masking override on employee.name (string_rewrite "testing") becomes a redaction.
  const Field* name = map->collection("fides_shop.employee")->field("name");
  ASSERT_TRUE(name && name->erasure);
  EXPECT_EQ(name->erasure->action, ErasureAction::redact);
  EXPECT_EQ(name->erasure->text, "testing");
}

// Nested Fides fields are named by their path: every child of an object, not only the first
// (the second child of `organization` was named "organization.id.slug" until 2026-12-06).
TEST_F(DataMapTest, EveryNestedFidesFieldIsNamedByItsPath) {
  std::ofstream(dir / "nested.yml") << R"(dataset:
  - fides_key: nested
    collections:
      - name: projects
        fields:
          - {name: id, data_categories: [system.operations], fides_meta: {identity: email}}
          - name: organization
            fields:
              - {name: id, data_categories: [system.operations]}
              - {name: slug, data_categories: [system.operations]}
              - name: owner
                fields:
                  - {name: email, data_categories: [user.contact.email]}
                  - {name: phone, data_categories: [user.contact.phone_number]}
          - {name: slug, data_categories: [system.operations]}
)";
  auto map = load("systems:\n  - name: tracker\n    store: {type: postgres, host: 127.0.0.1, database: t, "
                  "password_env: PGPASSWORD}\n    fides_dataset: nested.yml\n");
  ASSERT_TRUE(map) << map.error().message;
  const Collection* projects = map->collection("tracker.projects");
  ASSERT_NE(projects, nullptr);
  for (const char* name : {"organization.id", "organization.slug", "organization.owner.email",
                           "organization.owner.phone", "slug"}) {
    EXPECT_NE(projects->field(name), nullptr) << name;
  }
  EXPECT_EQ(projects->field("organization.id.slug"), nullptr);
}

}  // namespace
}  // namespace maestro
