# R side of benchmarks/survey_bench.py: the same raking and estimates with the survey package.
#
#   Rscript benchmarks/survey_bench.R RESPONSES.csv MARGINS.csv BY_VARS OUT.csv
#
# RESPONSES.csv: stratum, psu, w, literate and the BY_VARS (comma-separated) columns.
# Prints "timing,<part>,<seconds>" lines; writes the estimates to OUT.csv.
suppressPackageStartupMessages(library(survey))
args <- commandArgs(trailingOnly = TRUE)
by_vars <- strsplit(args[3], ",")[[1]]
data <- read.csv(args[1], colClasses = c(w = "numeric", literate = "numeric", psu = "integer"))
margins <- read.csv(args[2], colClasses = c("character", "character", "numeric"))
options(survey.lonely.psu = "fail")

timing <- function(part, expr) {
  seconds <- system.time(value <- force(expr))[["elapsed"]]
  cat(sprintf("timing,%s,%.3f\n", part, seconds))
  value
}
rows <- list()
estimates <- function(case, design) {
  overall <- svymean(~literate, design)
  rows[[length(rows) + 1]] <<- data.frame(case = case, by = "", level = "",
    estimate = sprintf("%.17g", coef(overall)), se = sprintf("%.17g", SE(overall)))
  for (by in by_vars) {
    result <- svyby(~literate, as.formula(paste0("~", by)), design, svymean)
    rows[[length(rows) + 1]] <<- data.frame(case = case, by = by, level = as.character(result[[by]]),
      estimate = sprintf("%.17g", coef(result)), se = sprintf("%.17g", SE(result)))
  }
}

design <- timing("design", svydesign(ids = ~psu, strata = ~stratum, weights = ~w, nest = TRUE, data = data))
timing("estimate_base", estimates("base", design))
variables <- unique(margins$variable)
population <- lapply(variables, function(v) {
  table <- margins[margins$variable == v, c("category", "population")]
  names(table) <- c(v, "Freq")
  table
})
raked <- timing("rake", rake(design, lapply(variables, function(v) as.formula(paste0("~", v))), population,
                             control = list(epsilon = 1e-10, maxit = 100)))
timing("estimate_raked", estimates("raked", raked))
write.csv(do.call(rbind, rows), args[4], row.names = FALSE)
