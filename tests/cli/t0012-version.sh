# sceval version names the version, the build and every linked library.
. "$(dirname "$0")/lib.sh"
v=$("$SCEVAL" version)
expect_match "version line from VERSION" "$v" "^sceval $(cat "$TESTS_DIR/../VERSION")"
for lib in sqlite libgit2 openssl hdf5 openblas igraph libyaml jansson libarchive; do
  expect_match "names $lib with a version" "$v" "^$lib +.*[0-9]+\.[0-9]+"
done
expect_match "OpenBLAS threads and core" "$v" "^openblas .*\(core [A-Za-z0-9_]+, [0-9]+ threads\)"
expect_match "compiler and flags" "$v" "^cflags: .*-O"

expect_match "sqlite version is the linked library's" "$v" "^sqlite +3\."
done_testing
