#!/usr/bin/env python3
"""Writes crates/domain/src/common_pins.txt: the PINs a UM mailbox policy refuses while
AllowCommonPINs is $false, one a line, sorted by length and then by value.

Every published analysis of leaked PIN sets finds the same few kinds of choice at the top, so the
list is made here from those kinds rather than from any leak:
- dates: every day of the year as MMDD and as DDMM, and the years 1940-2029 as YYYY;
- one digit repeated, and runs of consecutive digits up or down, at every length from 4 to 8
  (refused by AllowCommonPatterns too, but a policy that allows patterns still refuses these);
- short units repeated: ABAB, AABB, ABABAB, AABBCC with consecutive digits, AAABBB, ABCABC for
  consecutive or keypad units, ABCDABCD and AABBCCDD for the first runs;
- shapes on the telephone keypad: columns, rows, diagonals, corners and crosses, both ways;
- numbers people pick for their meaning: mirrored runs, well-known constants and numbers of luck
  or love in several languages.

Run: python3 scripts/common-pins.py > crates/domain/src/common_pins.txt
"""

import calendar

pins = set()


def add(*values):
    for v in values:
        assert v.isdigit() and 4 <= len(v) <= 8, v
        pins.add(v)


# Dates (2000 is a leap year, so 29 February is included).
for month in range(1, 13):
    for day in range(1, calendar.monthrange(2000, month)[1] + 1):
        add(f"{month:02}{day:02}", f"{day:02}{month:02}")
for year in range(1940, 2030):
    add(str(year))

# One digit repeated, and runs up and down (0 after 9 too, as on a keyboard's top row).
RUN = "01234567890"
for length in range(4, 9):
    for d in "0123456789":
        add(d * length)
    for start in range(len(RUN) - length + 1):
        up = RUN[start : start + length]
        add(up, up[::-1])

# Short units repeated.
for a in "0123456789":
    for b in "0123456789":
        if a != b:
            add(a + b + a + b, a + a + b + b, (a + b) * 3, a * 3 + b * 3)
for start in range(8):
    a, b, c = RUN[start : start + 3]
    add(a + a + b + b + c + c, (a + b + c) * 2, (c + b + a) * 2)
for start in range(7):
    run = RUN[start : start + 4]
    add(run * 2, "".join(d + d for d in run), run + run[::-1])

# Shapes on the keypad:  1 2 3 / 4 5 6 / 7 8 9 / _ 0 _
SHAPES = [
    "1470", "2580", "3690", "147", "258", "369",  # columns
    "123", "456", "789", "159", "357", "1590", "3570",  # rows and diagonals
    "1379", "1397", "1793", "1739", "3179", "3197", "7139", "7193",  # corners
    "2468", "2486", "2684", "2846", "4268", "4862", "5555",  # the cross
    "1235789", "14789", "12369", "1478963", "3214789", "7896321",  # edges
    "147258369", "123456789", "159357", "258456", "852456", "2580852",
]
for shape in SHAPES:
    for s in (shape, shape[::-1]):
        for length in range(4, 9):
            if len(s) >= length:
                add(s[:length])
        if 4 <= len(s) * 2 <= 8:
            add(s * 2, s + s[::-1])
for a in ("147", "258", "369", "159", "357", "123", "456", "789"):
    for b in ("147", "258", "369", "159", "357", "123", "456", "789"):
        if a != b:
            add(a + b, a[::-1] + b[::-1])

# Numbers chosen for their meaning.
add(
    "1004", "2001", "2580", "1313", "6969", "4321", "1010", "1122", "1221", "2112", "3141", "1123", "1235",
    "12321", "123321", "1234321", "12344321", "13579", "97531", "24680", "08642", "135790", "246801",
    "112358", "314159", "3141592", "31415926", "271828", "1618", "161803", "8675309", "5201314",
    "1314520", "520520", "521521", "5211314", "168168", "518518", "666888", "888666", "886886",
    "110110", "119119", "120120", "101010", "100200", "102030", "010203", "123654", "654123",
    "147852", "963741", "741963", "369852", "258147", "123789", "789123", "789654", "654789",
    "1212", "2323", "007007", "0007", "1984", "2468", "8888", "9999",
)

for pin in sorted(pins, key=lambda p: (len(p), p)):
    print(pin)
