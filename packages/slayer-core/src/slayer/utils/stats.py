"""Learning statistics per epoch: loss and accuracy of training, validation and testing (lava-dl's
``slayer.utils.LearningStats``), with best-value tracking, a text log and plots."""

from __future__ import annotations

import os
from pathlib import Path

from ._optional import pyplot


class LearningStat:
    """Accumulators of one phase (training, validation or testing) over the current epoch.

    The Assistant adds to ``loss_sum`` (loss per sample times samples), ``correct_samples`` and
    ``num_samples``; :meth:`update` appends the epoch's values to ``loss_log`` / ``accuracy_log`` and sets
    ``best_loss`` / ``best_accuracy`` when the epoch improved on every earlier one.
    """

    def __init__(self) -> None:
        self.loss_sum = 0.0
        self.correct_samples = 0
        self.num_samples = 0
        self.classified = False  # whether any correct_samples were counted this epoch (else no accuracy)
        self.min_loss: float | None = None
        self.max_accuracy: float | None = None
        self.loss_log: list[float | None] = []
        self.accuracy_log: list[float | None] = []
        self.best_loss = False
        self.best_accuracy = False

    def reset(self) -> None:
        self.loss_sum, self.correct_samples, self.num_samples, self.classified = 0.0, 0, 0, False

    def add(self, loss_sum: float, num_samples: int, correct_samples: int | None = None) -> None:
        """Count a batch: the sum of its per-sample losses, its size, and (with a classifier) how many it got right."""
        self.loss_sum += float(loss_sum)
        self.num_samples += int(num_samples)
        if correct_samples is not None:
            self.correct_samples += int(correct_samples)
            self.classified = True

    @property
    def loss(self) -> float | None:
        return self.loss_sum / self.num_samples if self.num_samples > 0 else None

    @property
    def accuracy(self) -> float | None:
        """Fraction of correct samples; None without samples or when nothing was classified."""
        if self.num_samples > 0 and (self.classified or self.correct_samples > 0):
            return self.correct_samples / self.num_samples
        return None

    @property
    def valid_loss_log(self) -> list[float]:
        return [value for value in self.loss_log if value is not None]

    @property
    def valid_accuracy_log(self) -> list[float]:
        return [value for value in self.accuracy_log if value is not None]

    def update(self) -> None:
        """Append this epoch's loss and accuracy to the logs and track the best values."""
        loss, accuracy = self.loss, self.accuracy
        self.loss_log.append(loss)
        self.accuracy_log.append(accuracy)
        self.best_loss = loss is not None and (self.min_loss is None or loss < self.min_loss)
        if self.best_loss:
            self.min_loss = loss
        self.best_accuracy = accuracy is not None and (self.max_accuracy is None or accuracy > self.max_accuracy)
        if self.best_accuracy:
            self.max_accuracy = accuracy

    def __str__(self) -> str:
        parts = []
        if self.loss is not None:
            text = f"loss = {self.loss:11.5f}"
            if self.min_loss is not None:
                text += f" (min = {self.min_loss:11.5f})"
            parts.append(text)
        if self.accuracy is not None:
            text = f"accuracy = {self.accuracy:7.5f}"
            if self.max_accuracy is not None:
                text += f" (max = {self.max_accuracy:7.5f})"
            parts.append(text)
        return "    ".join(parts)

    def __repr__(self) -> str:
        return f"LearningStat(samples={self.num_samples}, loss={self.loss}, accuracy={self.accuracy})"


class LearningStats:
    """``training``, ``validation`` and ``testing`` :class:`LearningStat` plus printing, plots and logs."""

    def __init__(
        self, loss_str: str = "loss", loss_unit: str = "", accuracy_str: str = "accuracy", accuracy_unit: str = ""
    ):
        self.loss_str, self.loss_unit = loss_str, loss_unit
        self.accuracy_str, self.accuracy_unit = accuracy_str, accuracy_unit
        self.training = LearningStat()
        self.validation = LearningStat()
        self.testing = LearningStat()
        self._lines_printed = 0

    @property
    def phases(self) -> dict[str, LearningStat]:
        return {"Train": self.training, "Valid": self.validation, "Test": self.testing}

    def update(self) -> None:
        """End of an epoch: every phase appends its values and resets its accumulators."""
        for stat in self.phases.values():
            stat.update()
            stat.reset()

    def new_line(self) -> None:
        """Keep what :meth:`print` wrote; the next print starts below it."""
        self._lines_printed = 0

    def __str__(self) -> str:
        parts = [f"{name} {stat}" for name, stat in self.phases.items() if str(stat)]
        return " | ".join(parts)

    def print(
        self, epoch: int, iter: int | None = None, time_elapsed: float | None = None, header=None, dataloader=None
    ):
        """Redraw the status lines in place (ANSI cursor-up): the ``header`` lines, the epoch and iteration (with a
        ``dataloader``: samples done of the data set), the time, then one line per phase that has values."""
        lines = [str(line) for line in (header or [])]
        head = f"Epoch {epoch:4d}"
        if iter is not None:
            head += f": i = {iter:5d}"
            size, batch = len(getattr(dataloader, "dataset", ())), getattr(dataloader, "batch_size", None)
            if size and batch:
                head += f" ({min((iter + 1) * batch, size)}/{size} samples)"
        if time_elapsed is not None:
            head += f" ({time_elapsed:.3f} s)"
        lines.append(head)
        lines += [f"{name} {stat}" for name, stat in self.phases.items() if str(stat)]
        prefix = f"\x1b[{self._lines_printed}A" if self._lines_printed else ""
        print(prefix + "\n".join("\x1b[2K" + line for line in lines), flush=True)
        self._lines_printed = len(lines)

    def plot(self, figures=(1, 2), figsize=None, path: str | os.PathLike[str] | None = None) -> None:
        """Loss (log scale) and accuracy curves per epoch; saved as ``loss.png`` / ``accuracy.png`` in ``path``."""
        plt = pyplot("LearningStats.plot")
        for number, (what, unit, log_scale) in zip(
            figures, [("loss", self.loss_unit, True), ("accuracy", self.accuracy_unit, False)]
        ):
            curves = {name: getattr(stat, f"valid_{what}_log") for name, stat in self.phases.items()}
            if not any(curves.values()):
                continue
            fig = plt.figure(number, figsize=figsize)
            fig.clf()
            ax = fig.add_subplot(1, 1, 1)
            for name, values in curves.items():
                if values:
                    (ax.semilogy if log_scale else ax.plot)(values, label=name)
            label = getattr(self, f"{what}_str")
            ax.set(xlabel="epoch", ylabel=f"{label} [{unit}]" if unit else label)
            ax.legend()
            if path is not None:
                fig.savefig(Path(path) / f"{what}.png")
                plt.close(fig)

    def save(self, path: str | os.PathLike[str] = "") -> None:
        """``<loss_str>.txt`` and ``<accuracy_str>.txt`` in ``path``: a ``#`` header naming the phases that
        have values, then one row per epoch (``%12.6f`` columns, ``nan`` where a phase had no value)."""
        for what, name in (("loss", self.loss_str), ("accuracy", self.accuracy_str)):
            columns = {title: getattr(stat, f"{what}_log") for title, stat in self.phases.items()}
            columns = {title: values for title, values in columns.items() if any(v is not None for v in values)}
            if not columns:
                continue
            rows = ["#" + "".join(f"{title:>12s} " for title in columns)]
            for epoch in range(max(len(values) for values in columns.values())):
                cells = [values[epoch] if epoch < len(values) else None for values in columns.values()]
                rows.append(" " + "".join(f"{float('nan') if v is None else v:12.6f} " for v in cells))
            Path(path, f"{name}.txt").write_text("\n".join(rows) + "\n")

    def load(self, path: str | os.PathLike[str] = "") -> None:
        """Read logs written by :meth:`save` back (to resume training with complete curves)."""
        for what, name in (("loss", self.loss_str), ("accuracy", self.accuracy_str)):
            file = Path(path, f"{name}.txt")
            if not file.exists():
                continue
            lines = file.read_text().splitlines()
            titles = lines[0].lstrip("#").split()
            for line in lines[1:]:
                for title, cell in zip(titles, line.split()):
                    value = float(cell)
                    stat = self.phases[title]
                    getattr(stat, f"{what}_log").append(None if value != value else value)
            for stat in self.phases.values():
                losses, accuracies = stat.valid_loss_log, stat.valid_accuracy_log
                stat.min_loss = min(losses) if losses else None
                stat.max_accuracy = max(accuracies) if accuracies else None

    def __repr__(self) -> str:
        epochs = len(self.training.loss_log)
        return f"LearningStats(loss_str={self.loss_str!r}, accuracy_str={self.accuracy_str!r}, epochs={epochs})"
