# loess_ref.R - R's loess() as the oracle of sceval's interpolated loess.
#
# usage: Rscript loess_ref.R DEGREE SPAN IN OUT [SPAN IN OUT ...]
#
# IN holds n x 2 values, x then y, OUT gets the n x 1 fitted values of
# loess(y ~ x, span = SPAN, degree = DEGREE), NaN where R has none; both in
# the dense layout of tests/unit/core_oracle.h ("SCD1", int64 rows and
# cols, float64 row-major, little-endian). R's loess wraps the same dloess
# Fortran as skmisc.loess (scanpy's seurat_v3), with the same defaults:
# surface "interpolate", cell 0.2, family "gaussian" (one pass, no
# robustness iterations). trace.hat = "approximate" only skips the exact
# trace of the hat matrix, which the fitted values do not depend on.
#
# One line per problem goes to stdout, "OUT warnings=N pinv=P limited=L",
# N the number of warnings R raised, P whether one was "pseudoinverse used"
# and L whether one was "k-d tree limited by memory" (skmisc raises an
# error wherever R warns).

read_scd1 <- function(path) {
  con <- file(path, "rb")
  on.exit(close(con))
  if (readChar(con, 4, useBytes = TRUE) != "SCD1") stop("bad magic in ", path)
  h <- readBin(con, "integer", n = 2, size = 8, endian = "little")
  v <- readBin(con, "double", n = h[1] * h[2], size = 8, endian = "little")
  matrix(v, nrow = h[1], ncol = h[2], byrow = TRUE)
}

write_scd1 <- function(path, v) {
  con <- file(path, "wb")
  on.exit(close(con))
  writeChar("SCD1", con, eos = NULL, useBytes = TRUE)
  writeBin(as.integer(c(length(v), 1L)), con, size = 8, endian = "little")
  writeBin(as.double(v), con, size = 8, endian = "little")
}

args <- commandArgs(trailingOnly = TRUE)
if (length(args) < 4 || (length(args) - 1) %% 3 != 0)
  stop("usage: loess_ref.R DEGREE SPAN IN OUT [SPAN IN OUT ...]")
degree <- as.integer(args[1])
for (i in seq(2, length(args), by = 3)) {
  span <- as.numeric(args[i])
  m <- read_scd1(args[i + 1])
  nw <- 0L
  pinv <- 0L
  limited <- 0L
  fit <- withCallingHandlers(
    tryCatch({
      d <- data.frame(x = m[, 1], y = m[, 2])
      f <- loess(y ~ x, data = d, span = span, degree = degree,
                 control = loess.control(trace.hat = "approximate"))
      as.double(f$fitted)
    }, error = function(e) rep(NaN, nrow(m))),
    warning = function(w) {
      nw <<- nw + 1L
      if (grepl("pseudoinverse", conditionMessage(w))) pinv <<- 1L
      if (grepl("k-d tree limited", conditionMessage(w))) limited <<- 1L
      invokeRestart("muffleWarning")
    })
  write_scd1(args[i + 2], fit)
  cat(args[i + 2], " warnings=", nw, " pinv=", pinv, " limited=", limited, "\n", sep = "")
}
