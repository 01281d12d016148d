"""Numbers written the Vietnamese way, for what the posts print.

Vietnamese writes a comma as the decimal mark and a dot between thousands:
vi(0.74, ".2f") == "0,74", vi(12345.6, ",.1f") == "12.345,6". Every number a
snippet prints or puts in a legend goes through `vi`, so the post, its
outputs, tables and figures use one decimal mark.
"""


def vi(value, spec: str = "") -> str:
    """format(value, spec) with the decimal mark and thousands mark swapped."""
    return format(value, spec).translate(str.maketrans(".,", ",."))
