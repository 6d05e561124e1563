// fk-join-app: a test program for the foreign-key join integration test.
// Orders (order id -> "<customer id>:<amount>") are joined on their customer
// with a table of customers (customer id -> name): inner join to one output
// topic ("<amount>@<name>"), left join to another ("<amount>@<name or NONE>").
// A null value deletes an order or a customer.
#include <kstreams/kstreams.h>

#include <optional>
#include <string>

#include "common/cli.h"

namespace {

std::string customerOf(const std::string& order) { return order.substr(0, order.find(':')); }
std::string amountOf(const std::string& order) { return order.substr(order.find(':') + 1); }

}  // namespace

int main(int argc, char** argv) {
  auto flags = examples::commonFlags("fk-join-app");
  flags.push_back({"orders", "orders", "table topic: order id -> <customer id>:<amount> (null deletes)"});
  flags.push_back({"customers", "customers", "table topic: customer id -> name (null deletes)"});
  flags.push_back({"inner-output", "orders-inner", "output topic of the inner join: order id -> <amount>@<name>"});
  flags.push_back({"left-output", "orders-left", "output topic of the left join: order id -> <amount>@<name|NONE>"});
  const auto values = examples::parseFlags(argc, argv, "fk-join-app",
                                           "Joins orders with their customers on a foreign key.", flags);

  kstreams::StreamsBuilder builder;
  auto orders = builder.table<std::string, std::string>(values.at("orders"));
  auto customers = builder.table<std::string, std::string>(values.at("customers"));
  orders
      .join(customers, customerOf,
            [](const std::string& order, const std::string& name) { return amountOf(order) + "@" + name; },
            kstreams::Named::as("orders-inner"))
      .toStream()
      .to(values.at("inner-output"));
  orders
      .leftJoin(customers, customerOf,
                [](const std::string& order, const std::optional<std::string>& name) {
                  return amountOf(order) + "@" + name.value_or("NONE");
                },
                kstreams::Named::as("orders-left"))
      .toStream()
      .to(values.at("left-output"));
  return examples::runUntilSignal(builder.build(), examples::commonProperties(values), "fk-join-app");
}
