"""The confidence scale of the scan path, in one place: when a line is taken on an
engine's word, when two readings agreeing settle it, and what a cell reports.

Engines score a line by their weakest character (0..1, see ocr/base.py). The chain
(chain.py) takes a line on one engine's word at ACCEPT, on two engines' agreement
(AGREE_CONFIDENCE, stricter for two engines of one family and under a mark), and
flags it otherwise, reporting at most FLAGGED_CEILING. Cells read without an engine
(empty, a lone dash, slash or sign) report a fixed confidence set against that scale:
above ACCEPT where the rule is as safe as a sure engine, under it where it is not.

Calibrated on samples/scans, typical level (bench/bench_scan.py --calibrate). Several
values are equal (0.95 four times) but play different roles: each role has its own
name, so one can move without the others.
"""

from __future__ import annotations

# --- taking a line on one engine's word
# an engine's score at or above which a line is taken on its word alone (the primary's,
# or a later engine's that reads better than those before it); below it the next engine
# is asked. bench/bench_scan.py --accept overrides this table (read at call time)
ACCEPT: dict[str, float] = {"tiny": 0.95, "ppocrv5": 0.95, "tesseract": 0.95}
ACCEPT_DEFAULT = 0.95  # ... for an engine not in ACCEPT (a test's fake, a new engine)

# --- two readings agreeing
AGREE_CONFIDENCE = 0.95  # the least a line two engines read the same reports
KIN_AGREE_FLOOR = 0.85  # two engines of one family agreeing: the surer must be this sure
# Engines that agree are not always independent. Two engines of one family (ocr.FAMILY)
# share a failure mode on a glyph class when they share the model's design, dictionary
# and training text for it: the PP-OCR models (tiny, ppocrv5) both read 棠 as 業 and 响
# as 喃, a confusable their common training makes likely. Their agreement on a line
# holding a glyph of such a class counts for nothing: the line goes on to an engine of
# another family (Tesseract), or is flagged. On other classes (digits, Latin, signs:
# small closed sets both read well, where they do err differently) it counts, above
# KIN_AGREE_FLOOR. Measured with bench/bench_scan.py --engine-use (lines per engine).
SHARED_FAILURES: dict[str, frozenset[str]] = {"pp-ocr": frozenset({"cjk"})}
MARKED_AGREE_FLOOR = 0.5  # under a mark, agreement counts only above this primary score
WINDOW_MAX_SHARE = 0.6  # a doubt wider than this share of its line: the whole line is asked

# --- specks read as text
LINE_START_SPECKS = ".·．。，,、：；:;'`"  # never begin a line of CJK text
LINE_END_SPECKS = "·'`.．"  # never end one (a full stop in Chinese text is 。)
SPECK_CONFIDENCE = 0.9  # a reading with a speck dropped: below every engine's ACCEPT

# --- a lone Latin letter (≥ read as N): never taken on the primary's word alone
LONE_LETTER_MAX_ASPECT = 1.5  # its ink at most this many times as wide as tall
CJK_FIRST = 0x2E80  # code points from here on are CJK (radicals, kana, ideographs)
INK_GREY = 128  # in a line crop, pixels darker than this are ink

AMOUNT_CHARS = "0123456789.%-"  # a reading of only these is asked again as an amount

# --- the form's script
SCRIPT_CONVERSION = "t2s"  # OpenCC's traditional -> simplified (script.py): a reading's
# traditional glyph is a slip on a simplified-Chinese form; converted, the cell flagged

# --- what a cell reports
FLAGGED_CEILING = 0.6  # a flagged cell never reports more than this
HAND_MARKS = frozenset("√✓✔VvXx×✗✘")  # a cell read as one of these alone holds a pen's mark
# ... and, beside printed lines, a line of one of these (- any dash: a pen's stroke)
MARK_GLYPHS = frozenset("▲△■□●○◆◇★☆【】|!¡'`~^‖-_")
UNREAD_CONFIDENCE = 0.0  # no engine read anything (or none ran)
LONE_GUESS = 0.5  # a lone letter or digit the engines disagree on, none this sure: no reading
EMPTY_CONFIDENCE = 0.99  # no ink in the cell
FADED_EMPTY_CONFIDENCE = 0.9  # no ink left once a pale seal over the cell was faded out
GHOST_EMPTY_CONFIDENCE = 0.9  # ... or once another sheet's print showing through was left out
EDGE_STROKE_CONFIDENCE = 0.8  # holding only a stroke run in across its ruling: empty, flagged
DASH_CONFIDENCE = 0.97  # a lone flat bar (shapes.is_lone_dash)
SLASH_CONFIDENCE = 0.97  # a lone thin diagonal stroke (shapes.is_lone_slash)
SIGN_CONFIDENCE = 0.97  # a lone comparison sign, =, ≥, ≤, ＞, ＜ (shapes.lone_sign)
