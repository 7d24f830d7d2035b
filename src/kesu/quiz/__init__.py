"""The rules of a 科学素质网络竞赛, with no Django: drawing items, scoring, tie-breaks, fair-play flags and
the normalised rankings and 组织奖 of regions and units (docs/contests.md). Used by kesu.contests and the CLI."""
