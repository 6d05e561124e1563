#include <gtest/gtest.h>

#include "log-router/log_router.h"

namespace examples::logrouter {
namespace {

TEST(LogRouterTest, MasksLastOctet) { EXPECT_EQ(maskIpv4("10.1.2.77"), "10.1.2.0"); }

}  // namespace
}  // namespace examples::logrouter
