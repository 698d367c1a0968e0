"""What a scenario found: its figures, and a verdict with the reasons it failed."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Result:
    scenario: str
    figures: dict[str, object] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    skipped: str | None = None

    @property
    def passed(self) -> bool:
        return self.skipped is None and not self.problems

    @property
    def verdict(self) -> str:
        if self.skipped is not None:
            return "SKIP"
        return "pass" if not self.problems else "FAIL"

    def expect(self, condition: bool, problem: str) -> None:
        if not condition:
            self.problems.append(problem)

    def line(self) -> str:
        figures = ", ".join(f"{name} {_shown(value)}" for name, value in self.figures.items())
        text = f"{self.verdict:4}  {self.scenario:<34} {figures}"
        if self.skipped:
            text += f"  (skipped: {self.skipped})"
        for problem in self.problems:
            text += f"\n      ! {problem}"
        return text


def _shown(value: object) -> str:
    if isinstance(value, float):
        return f"{value:.2f}"
    return str(value)


def table(results: list[Result]) -> str:
    return "\n".join(result.line() for result in results)
