// global-table-enrich: a test program for the global table integration test.
// Orders (order id -> product id) are left-joined with a global table of
// products (product id -> name) read from every partition of its topic; each
// output value is "<product id>=<name or MISSING>@<instance>", so that the test
// can tell which instance enriched which order with which table row.
#include <kstreams/kstreams.h>

#include <optional>
#include <string>

#include "common/cli.h"

int main(int argc, char** argv) {
  auto flags = examples::commonFlags("global-table-enrich");
  flags.push_back({"orders", "orders", "input topic: order id -> product id"});
  flags.push_back({"products", "products", "global table topic: product id -> name (null deletes)"});
  flags.push_back({"output", "enriched-orders", "output topic: order id -> <product>=<name>@<instance>"});
  flags.push_back({"instance", "instance", "name of this instance, written into every output value"});
  const auto values = examples::parseFlags(argc, argv, "global-table-enrich",
                                           "Enriches orders with the products of a global table.", flags);
  const std::string instance = values.at("instance");

  kstreams::StreamsBuilder builder;
  auto products = builder.globalTable<std::string, std::string>(values.at("products"));
  builder.stream<std::string, std::string>(values.at("orders"))
      .leftJoin(products, [](const std::string&, const std::string& product) { return product; },
                [instance](const std::string& product, const std::optional<std::string>& name) {
                  return product + "=" + name.value_or("MISSING") + "@" + instance;
                })
      .to(values.at("output"));
  return examples::runUntilSignal(builder.build(), examples::commonProperties(values), "global-table-enrich");
}
