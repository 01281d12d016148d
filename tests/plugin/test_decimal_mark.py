"""The site's decimal mark on figures' axes ([params.hugosnip] decimal_mark)."""

import pytest

from hugosnip.config import load
from hugosnip.errors import ConfigError
from hugosnip.key import settings
from hugosnip.plan import make_plan
from hugosnip.project import Project
from hugosnip.run import run_module

from conftest import write

PLOT = "import matplotlib.pyplot as plt\nfig, ax = plt.subplots()\nax.plot([0, 1], [0, 1])\n"
BY_HAND = ("from matplotlib.ticker import FuncFormatter\n"
           "comma = FuncFormatter(lambda x, pos: ('%.1f' % x).replace('-', '\\N{MINUS SIGN}').replace('.', ','))\n"
           "ax.xaxis.set_major_formatter(comma)\nax.yaxis.set_major_formatter(comma)\n")


def set_mark(site, mark):
    config = (site / "config.toml").read_text(encoding="utf-8")
    config = config.replace("[params.hugosnip]\n", f'[params.hugosnip]\ndecimal_mark = "{mark}"\n')
    (site / "config.toml").write_text(config, encoding="utf-8")


def figure(site, source):
    path = write(site / "snippets/fig.py", "# %% fig\n" + source + "None\n")
    project = Project(load(site))
    outcome = run_module(project, project.load(path))
    assert outcome.ok, outcome.problem
    return list(outcome.figures.values())


def test_comma_gives_the_figure_a_formatter_with_commas_would_give(site):
    by_hand, = figure(site, PLOT + BY_HAND)
    plain, = figure(site, PLOT)
    set_mark(site, ",")
    comma, = figure(site, PLOT)
    assert comma == by_hand
    assert plain != by_hand


@pytest.mark.parametrize("mathtext, labels", [
    (False, ["−0,5", "0,0", "0,5", "1,0", "1,5"]),
    (True, [r"$\mathdefault{−0{,}5}$", r"$\mathdefault{0{,}0}$", r"$\mathdefault{0{,}5}$",
            r"$\mathdefault{1{,}0}$", r"$\mathdefault{1{,}5}$"]),
])
def test_tick_labels(mathtext, labels):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from hugosnip.worker import use_decimal_mark
    with matplotlib.rc_context({"axes.formatter.use_mathtext": mathtext}):
        fig, ax = plt.subplots()
        ax.set_xticks([-0.5, 0, 0.5, 1, 1.5])
        ax2 = ax.twinx()
        ax2.set_yscale("log")
        ax2.set_ylim(1, 1000)
        use_decimal_mark(fig, ",")
        fig.canvas.draw()
        assert [t.get_text() for t in ax.get_xticklabels()] == labels
        assert [t.get_text() for t in ax2.get_yticklabels()][1:3] == [r"$\mathdefault{10^{0}}$",
                                                                       r"$\mathdefault{10^{1}}$"]
        plt.close(fig)


def test_a_new_decimal_mark_makes_every_result_stale(site, cli):
    assert cli(site, "build", "--no-hugo").status == 0
    built = site
    set_mark(built, ",")
    config = load(built)
    assert settings(config)["decimal_mark"] == ","
    stale = make_plan(Project(config)).stale
    assert stale and all("decimal_mark . -> ," in e.reasons for e in stale if not e.module.is_library)


@pytest.mark.parametrize("mark", [";", "dot", ""])
def test_other_marks_are_refused(site, mark):
    set_mark(site, mark)
    with pytest.raises(ConfigError) as error:
        load(site)
    line = next(n for n, l in enumerate((site / "config.toml").read_text().splitlines(), 1)
                if l.strip().startswith("decimal_mark"))
    assert error.value.render() == (f'config.toml:{line}: [params.hugosnip].decimal_mark must be "." or ",", '
                                    f'not {mark!r}')
