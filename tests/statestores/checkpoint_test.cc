#include "statestores/checkpoint.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <sstream>
#include <string>

#include "statestores/crc32.h"
#include "statestores/store_exception.h"
#include "store_test_support.h"

namespace kstreams::internal {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using testing::TempDirectory;
using Status = CheckpointReadResult::Status;

std::string readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void writeFile(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

/// `body` followed by a correct crc line.
std::string withCrc(const std::string& body) {
  std::ostringstream crc;
  crc << std::hex;
  crc.width(8);
  crc.fill('0');
  crc << crc32(body);
  return body + "crc32 " + crc.str() + "\n";
}

TEST(Crc32Test, MatchesStandardCheckValues) {
  EXPECT_EQ(crc32("123456789"), 0xCBF43926U);
  EXPECT_EQ(crc32(""), 0x00000000U);
  EXPECT_EQ(crc32("The quick brown fox jumps over the lazy dog"), 0x414FA339U);
}

class CheckpointTest : public ::testing::Test {
 protected:
  TempDirectory dir;
  std::string path = Checkpoint::path(dir.path());
  std::vector<CheckpointEntry> entries{
      {"counts", "app-counts-changelog", 3, 1234, 98765},
      {"other-store", "app-other-store-changelog", std::numeric_limits<int32_t>::max(),
       std::numeric_limits<int64_t>::max(), std::numeric_limits<uint64_t>::max()},
      {"s", "t", 0, -1, 0},
  };
};

TEST_F(CheckpointTest, LivesInTaskDirectory) {
  EXPECT_EQ(fs::path(path), fs::path(dir.path()) / ".checkpoint");
}

TEST_F(CheckpointTest, ReturnsMissingWhenFileDoesNotExist) {
  const CheckpointReadResult result = Checkpoint::read(path);
  EXPECT_EQ(result.status, Status::MISSING);
  EXPECT_THAT(result.entries, IsEmpty());
}

TEST_F(CheckpointTest, ReadsBackWhatWasWritten) {
  Checkpoint::write(path, entries);
  const CheckpointReadResult result = Checkpoint::read(path);
  ASSERT_EQ(result.status, Status::OK) << result.error;
  EXPECT_EQ(result.entries, entries);
}

TEST_F(CheckpointTest, ReadsBackEmptyListWhenWrittenEmpty) {
  Checkpoint::write(path, {});
  const CheckpointReadResult result = Checkpoint::read(path);
  EXPECT_EQ(result.status, Status::OK) << result.error;
  EXPECT_THAT(result.entries, IsEmpty());
}

TEST_F(CheckpointTest, WritesDocumentedTextFormat) {
  Checkpoint::write(path, {{"counts", "app-counts-changelog", 3, 1234, 98765}});
  EXPECT_EQ(readFile(path),
            withCrc("kstreams-checkpoint 1\n1\ncounts app-counts-changelog 3 1234 98765\n"));
}

TEST_F(CheckpointTest, ReplacesPreviousFileAndLeavesNoTemporaryFile) {
  Checkpoint::write(path, entries);
  Checkpoint::write(path, {entries.front()});
  const CheckpointReadResult result = Checkpoint::read(path);
  ASSERT_EQ(result.status, Status::OK) << result.error;
  EXPECT_THAT(result.entries, ElementsAre(entries.front()));
  EXPECT_FALSE(fs::exists(path + ".tmp"));
}

TEST_F(CheckpointTest, ReportsCorruptWhenAnyByteIsFlipped) {
  Checkpoint::write(path, entries);
  const std::string good = readFile(path);
  for (size_t i = 0; i < good.size(); ++i) {
    for (const unsigned char mask : {0x01, 0x20, 0x80, 0xFF}) {
      std::string bad = good;
      bad[i] = static_cast<char>(static_cast<unsigned char>(bad[i]) ^ mask);
      writeFile(path, bad);
      EXPECT_EQ(Checkpoint::read(path).status, Status::CORRUPT)
          << "byte " << i << " xor " << static_cast<int>(mask);
    }
  }
}

TEST_F(CheckpointTest, ReportsCorruptWhenTruncatedAnywhere) {
  Checkpoint::write(path, entries);
  const std::string good = readFile(path);
  for (size_t length = 0; length < good.size(); ++length) {
    writeFile(path, good.substr(0, length));
    EXPECT_EQ(Checkpoint::read(path).status, Status::CORRUPT) << "length " << length;
  }
}

TEST_F(CheckpointTest, ReportsCorruptWhenHeaderIsWrongEvenWithValidCrc) {
  writeFile(path, withCrc("kstreams-checkpoint 2\n0\n"));
  const CheckpointReadResult result = Checkpoint::read(path);
  EXPECT_EQ(result.status, Status::CORRUPT);
  EXPECT_THAT(result.error, ::testing::HasSubstr("header"));
}

TEST_F(CheckpointTest, ReportsCorruptWhenCountDisagreesEvenWithValidCrc) {
  writeFile(path, withCrc("kstreams-checkpoint 1\n2\ns t 0 1 2\n"));
  EXPECT_EQ(Checkpoint::read(path).status, Status::CORRUPT);
  writeFile(path, withCrc("kstreams-checkpoint 1\nx\n"));
  EXPECT_EQ(Checkpoint::read(path).status, Status::CORRUPT);
  writeFile(path, withCrc("kstreams-checkpoint 1\n"));
  EXPECT_EQ(Checkpoint::read(path).status, Status::CORRUPT);
}

TEST_F(CheckpointTest, ReportsCorruptWhenEntryLineIsMalformedEvenWithValidCrc) {
  for (const std::string line :
       {"s t 0 1", "s t 0 1 2 3", "s t x 1 2", "s t 0 1 -2", "s t 2147483648 1 2",
        "s  t 0 1 2", "s t 0 1 2 ", "s t +0 1 2", "s t 0 1 18446744073709551616"}) {
    writeFile(path, withCrc("kstreams-checkpoint 1\n1\n" + line + "\n"));
    EXPECT_EQ(Checkpoint::read(path).status, Status::CORRUPT) << line;
  }
}

TEST_F(CheckpointTest, ReportsCorruptWhenCrcDigitsAreUppercase) {
  // Find a checkpoint whose crc has letter digits (most do; the loop makes it certain).
  std::string content;
  bool changed = false;
  for (int64_t offset = 1; offset < 100 && !changed; ++offset) {
    Checkpoint::write(path, {{"s", "t", 0, offset, 2}});
    content = readFile(path);
    const size_t digits = content.rfind("crc32 ") + 6;
    for (size_t i = digits; i < digits + 8; ++i) {
      if (content[i] >= 'a' && content[i] <= 'f') {
        content[i] = static_cast<char>(content[i] - 'a' + 'A');
        changed = true;
      }
    }
  }
  ASSERT_TRUE(changed);
  writeFile(path, content);
  EXPECT_EQ(Checkpoint::read(path).status, Status::CORRUPT);
}

TEST_F(CheckpointTest, RefusesToWriteNamesWithWhitespace) {
  EXPECT_THROW(Checkpoint::write(path, {{"my store", "t", 0, 0, 0}}), StoreException);
  EXPECT_THROW(Checkpoint::write(path, {{"s", "", 0, 0, 0}}), StoreException);
  EXPECT_FALSE(fs::exists(path));
}

TEST_F(CheckpointTest, ThrowsWhenPathCannotBeRead) {
  fs::create_directory(path);
  EXPECT_THROW((void)Checkpoint::read(path), StoreException);
}

TEST_F(CheckpointTest, RemovesFileAndIgnoresMissingFile) {
  Checkpoint::write(path, entries);
  Checkpoint::remove(path);
  EXPECT_EQ(Checkpoint::read(path).status, Status::MISSING);
  EXPECT_NO_THROW(Checkpoint::remove(path));
}

}  // namespace
}  // namespace kstreams::internal
