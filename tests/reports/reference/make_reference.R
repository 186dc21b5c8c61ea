# Regenerate: cd tests/reports/reference && Rscript make_reference.R
# (needs Debian packages r-base-core r-cran-nlme; writes nlme_reference.csv, and the synthetic_*.csv
# datasets only when they are missing, so the committed data never change under the tests.)
#
# Reference values for belimumab/reports/stats.py: for every dataset below, two linear mixed models
# fitted by REML with nlme::lme, time point as a categorical fixed effect (M0 the reference):
#   ri     : random intercept per patient
#   ri_ar1 : random intercept per patient + AR(1) residual correlation over idx (M0=1, M6=2, M12=3)
# Each dataset is a long CSV: patient, timepoint (M0/M6/M12), idx (1/2/3), value.
# The study's datasets are transcribed from Table 2 of the paper (/work/shared/seeds): sledai.csv
# (patient 5's M12 score missing, NA), steroid_mg_day.csv (the 12 patients on corticosteroids at M0)
# and steroid_mg_day_all.csv (all 14, 0 mg/day for patients 7 and 12 without corticosteroid);
# a patient stopped before a time point has no row there (1 after M6, 13 and 14 after M0).
# between_m12.csv: a tiny case where M12 never varies within a patient (nlme's between-group df).
suppressPackageStartupMessages(library(nlme))

tp_levels <- c("M0", "M6", "M12")

write_dataset <- function(d, file) {
  d <- d[order(d$patient, d$idx), c("patient", "timepoint", "idx", "value")]
  write.csv(d, file, row.names = FALSE, quote = FALSE)
}

simulate <- function(n_patients, mu, effects, tau, sigma, phi, p_missing, digits) {
  rows <- list()
  for (i in seq_len(n_patients)) {
    b <- rnorm(1, 0, tau)
    e <- numeric(3)
    e[1] <- rnorm(1, 0, sigma)
    for (k in 2:3) e[k] <- phi * e[k - 1] + rnorm(1, 0, sigma * sqrt(1 - phi^2))
    y <- round(mu + effects + b + e, digits)
    keep <- runif(3) >= p_missing
    if (!any(keep)) keep[1] <- TRUE
    rows[[i]] <- data.frame(patient = sprintf("S%03d", i), timepoint = tp_levels[keep],
                            idx = (1:3)[keep], value = y[keep])
  }
  do.call(rbind, rows)
}

if (!file.exists("synthetic_balanced.csv")) {
  set.seed(20240611)
  write_dataset(simulate(30, 50, c(0, -5, -8), tau = 6, sigma = 4, phi = 0.5,
                         p_missing = c(0, 0, 0), digits = 1), "synthetic_balanced.csv")
}
if (!file.exists("synthetic_unbalanced.csv")) {
  set.seed(20240612)
  write_dataset(simulate(32, 180, c(0, -30, -45), tau = 60, sigma = 45, phi = 0.3,
                         p_missing = c(0.1, 0.25, 0.3), digits = 0), "synthetic_unbalanced.csv")
}
if (!file.exists("synthetic_unbalanced_strong_ar.csv")) {
  set.seed(20240613)
  write_dataset(simulate(40, 1.0, c(0, 0.12, 0.10), tau = 0.08, sigma = 0.2, phi = 0.8,
                         p_missing = c(0.05, 0.2, 0.35), digits = 2),
                "synthetic_unbalanced_strong_ar.csv")
}

if (!file.exists("synthetic_no_patient_effect.csv")) {
  set.seed(20240614)
  write_dataset(simulate(30, 10, c(0, 1, 2), tau = 0, sigma = 2, phi = -0.4,
                         p_missing = c(0, 0.2, 0.2), digits = 1),
                "synthetic_no_patient_effect.csv")
}

datasets <- c("steroid_mg_day_all", "steroid_mg_day", "sledai", "synthetic_balanced",
              "synthetic_unbalanced", "synthetic_unbalanced_strong_ar",
              "synthetic_no_patient_effect", "between_m12")

out <- list()
for (name in datasets) {
  d <- read.csv(paste0(name, ".csv"), stringsAsFactors = FALSE)
  d <- d[!is.na(d$value), ]
  d$time <- factor(d$timepoint, levels = tp_levels)
  d$patient <- factor(d$patient)
  ctrl <- lmeControl(maxIter = 500, msMaxIter = 500, tolerance = 1e-10, msTol = 1e-12,
                     niterEM = 100)
  fits <- list(
    ri = lme(value ~ time, random = ~ 1 | patient, data = d, method = "REML", control = ctrl),
    ri_ar1 = lme(value ~ time, random = ~ 1 | patient, data = d, method = "REML",
                 correlation = corAR1(form = ~ idx | patient), control = ctrl)
  )
  for (model in names(fits)) {
    f <- fits[[model]]
    tt <- summary(f)$tTable
    tau <- sqrt(as.numeric(getVarCov(f)[1, 1]))
    phi <- if (model == "ri_ar1") {
      as.numeric(coef(f$modelStruct$corStruct, unconstrained = FALSE))
    } else {
      NA
    }
    for (term in c("(Intercept)", "timeM6", "timeM12")) {
      out[[length(out) + 1]] <- data.frame(
        dataset = name, model = model,
        term = c("(Intercept)" = "intercept", timeM6 = "M6", timeM12 = "M12")[[term]],
        n_obs = nrow(d), n_patients = nlevels(d$patient),
        estimate = tt[term, "Value"], se = tt[term, "Std.Error"], df = tt[term, "DF"],
        t = tt[term, "t-value"], p = tt[term, "p-value"],
        sigma = f$sigma, tau = tau, phi = phi, loglik = as.numeric(logLik(f)))
    }
  }
}
res <- do.call(rbind, out)
res$r_version <- paste(R.version$major, R.version$minor, sep = ".")
res$nlme_version <- as.character(packageVersion("nlme"))
num <- vapply(res, is.numeric, NA)
txt <- res
txt[num] <- lapply(res[num], function(x) ifelse(is.na(x), "NA", sprintf("%.15g", x)))
write.csv(txt, "nlme_reference.csv", row.names = FALSE, quote = FALSE)
cat(sprintf("%s\n", R.version.string), sprintf("nlme %s\n", packageVersion("nlme")))
print(res[res$term != "intercept", c("dataset", "model", "term", "estimate", "se", "df", "p")],
      digits = 6)
