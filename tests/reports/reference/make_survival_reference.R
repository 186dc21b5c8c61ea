# Regenerate: cd tests/reports/reference && Rscript make_survival_reference.R
# (needs Debian packages r-base-core r-cran-survival; writes survival_reference.csv, and the input
# cohorts survival_durations.csv and survival_cohort.csv only when they are missing, so the
# committed data never change under the tests.)
#
# Reference values for belimumab/reports/survival.py: Kaplan-Meier retention with the 95 %
# interval survival::survfit gives by default (Greenwood variance, conf.type = "log":
# exp(log S +/- 1.96 se(log S)), the upper bound clipped at 1), read at several times with
# summary(fit, times = t, extend = FALSE):
#   at_risk = n.risk (patients whose time is >= t), events = the events on or before t,
#   survival, lower, upper. A time after every follow-up (no row with extend = FALSE) is written
#   with every figure NA, as is an interval R leaves NA (survival 0).
#
# survival_durations.csv (cohort, days, event): cohorts given as durations.
#   ties        events and censorings on the same days (events count first: the censored are
#               still at risk), two events on one day
#   short       every follow-up shorter than 365 days: nothing at 365 or later
#   last_event  the last patient at risk stops: survival 0, interval NA
#   random      200 exponential times (median ~2 years), censored by a uniform cut-off
# survival_cohort.csv (cohort, patient, d0, stop, follow_up_end, last_record): cohorts given as
# dates. Durations follow DOMAIN.md "A living cohort (data cut-off)": the stop is the event when on
# or before as_of; otherwise censored at the end of follow-up or at as_of, whichever comes first
# (censoring = "cut_off"). For the `collapse` cohort the script also censors at the last record
# (censoring = "last_record"), the rule the cut-off replaces: the curve collapses after M12.
#   living      40 patients starting 2023-2025, stops, ends of follow-up (lost, transferred,
#               ...), read as of 2024-06-30, 2025-06-30 and 2026-06-30
#   collapse    30 patients whose infusions were entered for their first year only (the last
#               record about D0 + 365), 5 with a stop known later, read as of 2026-06-30
suppressPackageStartupMessages(library(survival))

times <- c(0, 30, 91, 182, 273, 365, 410, 547, 730)

if (!file.exists("survival_durations.csv")) {
  ties <- data.frame(cohort = "ties",
                     days = c(30, 60, 60, 60, 90, 120, 182, 182, 182, 200, 250, 300, 365, 365,
                              400, 500, 547, 600),
                     event = c(1, 1, 1, 0, 0, 1, 1, 0, 0, 1, 0, 1, 1, 0, 0, 1, 0, 0))
  short <- data.frame(cohort = "short", days = c(20, 45, 91, 150, 182, 200, 250, 300, 364),
                      event = c(0, 1, 0, 1, 0, 0, 1, 0, 0))
  last_event <- data.frame(cohort = "last_event", days = c(10, 91, 120, 200, 300, 365),
                           event = c(1, 0, 1, 0, 1, 1))
  set.seed(20261204)
  n <- 200
  t_event <- ceiling(rexp(n, rate = log(2) / 730))
  t_cens <- sample(30:900, n, replace = TRUE)
  random <- data.frame(cohort = "random", days = pmin(t_event, t_cens),
                       event = as.integer(t_event <= t_cens))
  write.csv(rbind(ties, short, last_event, random), "survival_durations.csv", row.names = FALSE,
            quote = FALSE)
}

if (!file.exists("survival_cohort.csv")) {
  set.seed(20261205)
  n <- 40
  d0 <- as.Date("2023-01-01") + sort(sample(0:1094, n))
  stop <- ifelse(runif(n) < 0.35, d0 + ceiling(rexp(n, rate = 1 / 300)), NA)
  end <- ifelse(runif(n) < 0.2, d0 + sample(30:700, n, replace = TRUE), NA)
  living <- data.frame(cohort = "living", patient = sprintf("L%02d", 1:n), d0 = d0,
                       stop = as.Date(stop, origin = "1970-01-01"),
                       follow_up_end = as.Date(end, origin = "1970-01-01"),
                       last_record = as.Date(NA))
  n <- 30
  d0 <- as.Date("2021-01-04") + sort(sample(0:364, n))
  stop <- rep(NA, n)
  stopped <- sample(n, 5)
  stop[stopped] <- d0[stopped] + sample(380:600, 5)
  stop <- as.Date(stop, origin = "1970-01-01")
  # infusions entered for the first year only: the last record is the last 28-day infusion
  # on or before D0 + 365 (D0 + 364), or the stop when it is known
  last_record <- as.Date(ifelse(is.na(stop), d0 + 364, stop), origin = "1970-01-01")
  collapse <- data.frame(cohort = "collapse", patient = sprintf("C%02d", 1:n), d0 = d0,
                         stop = stop, follow_up_end = as.Date(NA), last_record = last_record)
  write.csv(rbind(living, collapse), "survival_cohort.csv", row.names = FALSE, quote = FALSE,
            na = "")
}

read_at <- function(days, event, cohort, as_of, censoring) {
  fit <- survfit(Surv(days, event) ~ 1)
  rows <- lapply(times, function(t) {
    # extend = FALSE refuses a time after every follow-up ("no points selected")
    s <- tryCatch(summary(fit, times = t, extend = FALSE), error = function(e) NULL)
    if (is.null(s) || length(s$time) == 0) {
      return(data.frame(time = t, at_risk = NA, events = NA, survival = NA, lower = NA,
                        upper = NA))
    }
    data.frame(time = t, at_risk = s$n.risk, events = s$n.event, survival = s$surv,
               lower = s$lower, upper = s$upper)
  })
  cbind(data.frame(cohort = cohort, as_of = as_of, censoring = censoring), do.call(rbind, rows))
}

out <- list()
durations <- read.csv("survival_durations.csv", stringsAsFactors = FALSE)
for (name in unique(durations$cohort)) {
  d <- durations[durations$cohort == name, ]
  out[[length(out) + 1]] <- read_at(d$days, d$event, name, "", "")
}

cohorts <- read.csv("survival_cohort.csv", stringsAsFactors = FALSE, na.strings = "")
for (col in c("d0", "stop", "follow_up_end", "last_record")) {
  cohorts[[col]] <- as.Date(cohorts[[col]])
}
retention <- function(d, as_of) {
  d <- d[d$d0 <= as_of, ]
  cut <- as.numeric(as_of)
  stop <- as.numeric(d$stop)
  end <- as.numeric(d$follow_up_end)
  stopped <- !is.na(stop) & stop <= cut
  censored_on <- ifelse(!is.na(end) & end <= cut, end, cut)
  list(days = pmax(0, ifelse(stopped, stop, censored_on) - as.numeric(d$d0)),
       event = as.integer(stopped))
}
readings <- list(list("living", "2024-06-30"), list("living", "2025-06-30"),
                 list("living", "2026-06-30"), list("collapse", "2026-06-30"))
for (reading in readings) {
  name <- reading[[1]]
  as_of <- as.Date(reading[[2]])
  r <- retention(cohorts[cohorts$cohort == name, ], as_of)
  out[[length(out) + 1]] <- read_at(r$days, r$event, name, reading[[2]], "cut_off")
}
d <- cohorts[cohorts$cohort == "collapse", ]
out[[length(out) + 1]] <- read_at(as.numeric(d$last_record - d$d0), as.integer(!is.na(d$stop)),
                                  "collapse", "2026-06-30", "last_record")

res <- do.call(rbind, out)
res$r_version <- paste(R.version$major, R.version$minor, sep = ".")
res$survival_version <- as.character(packageVersion("survival"))
num <- vapply(res, is.numeric, NA)
txt <- res
txt[num] <- lapply(res[num], function(x) ifelse(is.na(x), "NA", sprintf("%.15g", x)))
write.csv(txt, "survival_reference.csv", row.names = FALSE, quote = FALSE)
cat(sprintf("%s\n", R.version.string), sprintf("survival %s\n", packageVersion("survival")))
print(res[res$time %in% c(182, 365, 547), 1:9], digits = 4)
