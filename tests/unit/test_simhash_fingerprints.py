"""Near-duplicate fingerprints: bigram MinHash (warning.dedup.fingerprint says why not SimHash)."""

from warning.dedup.fingerprint import BANDS, THRESHOLD, fingerprint, jaccard, normalise

BASE = (
    "举报采购中心张某某在2024年办公设备采购项目中，与供应商串通投标，事先泄露标底，"
    "并收受供应商好处费约五万元。该项目预算一百二十万元，中标单位报价与标底仅差三百元。请组织核查。"
)
REWORDED = {
    "punctuation": BASE.replace("，", " ").replace("。", "！"),
    "few characters": BASE.replace("约五万元", "大约5万元").replace("请组织核查", "请予核查"),
    "re-ordered": (
        "该项目预算一百二十万元，中标单位报价与标底仅差三百元。举报采购中心张某某在2024年"
        "办公设备采购项目中，与供应商串通投标，事先泄露标底，并收受供应商好处费约五万元。请组织核查。"
    ),
}
OTHER = (
    "举报采购中心张某某在2024年公务用车使用中，长期公车私用，周末驾驶公车接送家属，"
    "并虚报加油费用约八千元。请组织核查。"
)


def test_rewordings_stay_above_the_threshold_and_share_a_band() -> None:
    base = fingerprint("来信", BASE)
    for name, text in REWORDED.items():
        other = fingerprint("来信", text)
        assert jaccard(base.shingles, other.shingles) >= THRESHOLD, name
        assert set(base.band_keys) & set(other.band_keys), name


def test_a_different_complaint_about_the_same_department_stays_below() -> None:
    assert jaccard(fingerprint("", BASE).shingles, fingerprint("", OTHER).shingles) < 0.3


def test_fingerprints_are_stable_and_fit_bigint() -> None:
    first, again = fingerprint("t", BASE), fingerprint("t", BASE)
    assert first.band_keys == again.band_keys and len(first.band_keys) == BANDS
    assert all(-(2**63) <= key < 2**63 for key in first.band_keys)


def test_short_text_is_not_indexed_and_width_is_folded() -> None:
    assert not fingerprint("短", "太短").usable
    assert normalise("ＡＢＣ，１２３。") == "abc123"
