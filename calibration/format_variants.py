"""One survey in five formats, for the repeat study and the tests: the schema CSV as given, SPSS .sav and
Stata .dta in the schema's own codes with value labels (read without a mapping), a messy CSV (own column
names, community coded 1/2, missing codes 98/99 only on the labelled 1-5 and 1-6 items) and a messy .sav
(labelled codes, a 0-100 thermometer labelled only at its end points, user codes for "no answer"), each messy
file with its mapping. Every variant must give exactly the statistics of the original.

    python -m bridges.calibration.format_variants calibration/data/germany_synthetic.csv --out /tmp/formats
"""

import argparse
from pathlib import Path

import pandas as pd

from bridges.model.survey import SURVEY_ITEMS

LIKERT = ("contact_frequency", "contact_quality", "anxiety", "trust", "belonging", "distress",
          "experienced_discrimination", "perceived_variability", "time_together", "outgroup_friends",
          "extended_contact")
"""Items on labelled 1-5 scales (time_together: 1-6): 98 and 99 are out of their range, so they can code
"no answer"."""
MESSY_CSV_MAPPING = """columns: {site: country, step: wave, community: grp, contact_frequency: q_freq,
          contact_quality: q_qual, thermometer: q_therm, anxiety: q_anx, trust: q_trust, belonging: q_bel,
          distress: q_dist, perceived_education: q_edu, perceived_employment: q_emp, perceived_welfare: q_wel,
          experienced_discrimination: q_disc, perceived_variability: q_var, time_together: q_time,
          outgroup_friends: q_friends, extended_contact: q_ext, weight: w_design}
codes:
  community: {1: receiving, 2: arriving}
missing: {contact_frequency: [98, 99], contact_quality: [98, 99], anxiety: [98, 99], trust: [98, 99],
          belonging: [98, 99], distress: [98, 99], experienced_discrimination: [98, 99],
          perceived_variability: [98, 99], time_together: [98, 99], outgroup_friends: [98, 99],
          extended_contact: [98, 99], thermometer: [-1],
          perceived_education: [-1], perceived_employment: [-1], perceived_welfare: [-1]}
"""
MESSY_SAV_MAPPING = """columns: {site: country, step: wave, community: grp, contact_frequency: q_freq,
          contact_quality: q_qual, thermometer: q_therm, anxiety: q_anx, trust: q_trust, belonging: q_bel,
          distress: q_dist, perceived_education: q_edu, perceived_employment: q_emp, perceived_welfare: q_wel,
          experienced_discrimination: q_disc, perceived_variability: q_var, time_together: q_time,
          outgroup_friends: q_friends, extended_contact: q_ext, weight: w_design}
codes:
  community: {Einheimische: receiving, Neuzugewanderte: arriving}
missing: ["keine Angabe", "weiss nicht"]
"""


def variants(source: Path, out: Path) -> dict[str, tuple[Path, Path | None]]:
    """Write the five variants of the schema CSV `source` into `out`: name -> (data file, mapping or None)."""
    out.mkdir(parents=True, exist_ok=True)
    frame = pd.read_csv(source, dtype={"site": str, "community": str})
    items = [c for c in SURVEY_ITEMS if c in frame]
    numeric = frame.assign(community=frame.community.map({"receiving": 1, "arriving": 2}))
    labels = {"community": {1: "receiving", 2: "arriving"},
              **{item: dict(enumerate(SURVEY_ITEMS[item].labels, start=1)) for item in LIKERT if item in frame}}
    files = {"csv": (source, None)}
    # schema codes, labelled: community must be text in the schema, so it stays a string column here
    for suffix, writer in (("sav", "write_sav"), ("dta", "write_dta")):
        import pyreadstat

        path = out / f"schema_labelled.{suffix}"
        getattr(pyreadstat, writer)(frame, str(path), variable_value_labels={k: v for k, v in labels.items()
                                                                              if k != "community"})
        files[suffix] = (path, None)
    renamed = dict(zip(["site", "step", "community", *items, "weight"],
                       ["country", "wave", "grp", *[_own(i) for i in items], "w_design"]))
    messy = numeric.copy()
    for item in items:
        blank = messy[item].isna()
        code = 98 if item in LIKERT else -1
        messy[item] = messy[item].astype("Float64").fillna(code).astype("int64")
        if item in LIKERT:  # some blanks as 99 ("refused") instead of 98 ("don't know")
            messy.loc[blank & (messy.index % 2 == 1), item] = 99
    messy = messy.rename(columns=renamed)
    messy.to_csv(out / "messy.csv", index=False)
    (out / "messy_csv.yaml").write_text(MESSY_CSV_MAPPING)
    files["messy_csv"] = (out / "messy.csv", out / "messy_csv.yaml")
    import pyreadstat

    spss = numeric.copy()
    for item in items:
        spss[item] = spss[item].astype("Float64").fillna(-9 if item in LIKERT else -8).astype("float64")
    spss = spss.rename(columns=renamed)
    spss_labels = {"grp": {1: "Einheimische", 2: "Neuzugewanderte"}, "q_therm": {0: "sehr kalt", 100: "sehr warm",
                                                                                -8: "weiss nicht"}}
    for item in items:
        own = _own(item)
        spss_labels.setdefault(own, {})[-9 if item in LIKERT else -8] = "keine Angabe" if item in LIKERT else "weiss nicht"
    pyreadstat.write_sav(spss, str(out / "messy.sav"), variable_value_labels=spss_labels)
    (out / "messy_sav.yaml").write_text(MESSY_SAV_MAPPING)
    files["messy_sav"] = (out / "messy.sav", out / "messy_sav.yaml")
    return files


def _own(item: str) -> str:
    """The messy files' own name of a schema item."""
    return {"contact_frequency": "q_freq", "contact_quality": "q_qual", "thermometer": "q_therm", "anxiety": "q_anx",
            "trust": "q_trust", "belonging": "q_bel", "distress": "q_dist", "perceived_education": "q_edu",
            "perceived_employment": "q_emp", "perceived_welfare": "q_wel", "experienced_discrimination": "q_disc",
            "perceived_variability": "q_var", "time_together": "q_time", "outgroup_friends": "q_friends",
            "extended_contact": "q_ext"}[item]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("source", type=Path)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    for name, (data, mapping) in variants(args.source, args.out).items():
        print(f"{name}: calibration.data={data}" + (f" calibration.mapping={mapping}" if mapping else ""))


if __name__ == "__main__":
    main()
