# MASS::glm.nb with the log library size as offset, for the genes of a CSV
# (columns: lib, type, then one column per gene); prints gene, theta and the
# coefficients, tightly converged (epsilon 1e-12) so that the optimum, not
# the stopping rule, is compared.
suppressMessages(library(MASS))
args <- commandArgs(TRUE)
d <- read.csv(args[1], check.names = FALSE)
lev <- strsplit(args[2], ",")[[1]]
d$type <- factor(d$type, levels = lev)
for (g in names(d)[-(1:2)]) {
  y <- d[[g]]
  f <- glm.nb(y ~ type + offset(log(lib)), data = d,
              control = glm.control(epsilon = 1e-12, maxit = 200))
  cat(g, format(f$theta, digits = 17), format(coef(f), digits = 17), "\n")
}
