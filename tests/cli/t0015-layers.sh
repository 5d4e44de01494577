# The layers of ARCHITECTURE.md, checked on the sources: every
# #include "DIR/..." of a file must be one its folder may use. cli may use
# every layer; runner reads store and calls tasks; reports read store
# (through runner's queries) and the tasks' descriptors; tasks use only
# tasks, io (file formats) and util, except a task's planner (tasks/*/plan.[ch]), which works
# through the runner's planning interface runner/plan_tasks.h and nothing
# else of the runner; io knows only util;
# store knows nothing of tasks; util uses nothing.
. "$(dirname "$0")/lib.sh"
top=$(cd "$TESTS_DIR/.." && pwd)
allowed() {
  case "$1" in
    cli) echo "cli runner reports store tasks io util" ;;
    runner) echo "runner store tasks io util" ;;
    reports) echo "reports runner store tasks util" ;;
    tasks) echo "tasks io util" ;;
    io) echo "io util" ;;
    store) echo "store util" ;;
    util) echo "util" ;;
  esac
}
for layer in cli runner reports tasks io store util; do
  bad=""
  for f in $(cd "$top" && find "$layer" -name '*.[ch]' | sort); do
    for inc in $(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([a-z_]*\)\/\([^"]*\)".*/\1\/\2/p' "$top/$f"); do
      dir=${inc%%/*}
      ok=0
      for a in $(allowed "$layer"); do [ "$dir" = "$a" ] && ok=1; done
      # A task's planner: the planning interface only.
      case "$f:$inc" in tasks/*/plan.[ch]:runner/plan_tasks.h) ok=1 ;; esac
      [ "$ok" = 1 ] || bad="$bad $f->$inc"
    done
  done
  expect_eq "$layer/ includes only what its layer may use" "$bad" ""
done
# The check itself sees a crossing (a guard against a pattern that matches nothing).
mkdir -p fake/store && printf '#include "tasks/task.h"\n' > fake/store/x.c
got=$(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([a-z_]*\)\/\([^"]*\)".*/\1\/\2/p' fake/store/x.c)
expect_eq "the include pattern reads a layer's include" "$got" "tasks/task.h"
done_testing
