"""The training assistant: one call per train / validation / test step with loss and accuracy bookkeeping
(lava-dl's ``slayer.utils.Assistant``), plus epoch loops with progress bars, best-model checkpoints,
curves, learning-rate scheduling, ``torch.compile`` and multi-process data parallelism under ``torchrun``."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import torch
from torch import Tensor

from . import _distributed as distributed
from ._optional import installed, pyplot, tqdm_class
from .stats import LearningStat, LearningStats


def _reduction(error: Callable[..., Tensor]) -> str:
    reduction = getattr(error, "reduction", "mean")
    if reduction not in ("sum", "mean"):
        raise ValueError(
            f"Assistant: the error's reduction must be 'sum' or 'mean' (one number per batch), received {reduction!r}"
        )
    return reduction


class Assistant:
    """Train, validate and test a network one batch at a time.

    * ``net``: a module mapping input ``(N, ..., T)`` to ``output`` or, with ``count_log``, ``(output, counts)``;
      with ``lam``, ``(output, net_loss)`` (and ``(output, net_loss, counts)`` with both). ``net_loss`` is added to
      the loss times ``lam``.
    * ``error(output, target)``: the loss. A ``reduction`` attribute of ``'sum'`` (slayer's losses' default) means
      the loss sums over the batch, ``'mean'`` (or none, e.g. a plain function) that it averages; the statistics
      hold the loss per sample in both cases (lava-dl multiplies summed losses by the batch size once more).
    * ``classifier(output)`` → predicted labels compared with ``target`` for the accuracy (optional).
    * ``scheduler``: a ``torch.optim.lr_scheduler`` stepped once per epoch by :meth:`fit`.
    * ``compile``: run the network through ``torch.compile`` (``True`` or a dict of its arguments).

    Under ``torchrun`` (``torch.distributed`` initialised, gloo on CPU, nccl on GPU) the network is wrapped in
    ``DistributedDataParallel`` at the first step, after one forward without gradients that gives lazily shaped
    parameters (axonal delays, per-channel neuron parameters) their shapes. The statistics are summed over the
    ranks, and a summed loss is scaled by the world size so that the averaged gradients equal those of one
    process seeing all ranks' batches. Give each rank its share of the data with a ``DistributedSampler``.
    """

    def __init__(
        self,
        net: torch.nn.Module,
        error: Callable[..., Tensor],
        optimizer: torch.optim.Optimizer,
        stats: LearningStats | None = None,
        classifier: Callable[[Tensor], Tensor] | None = None,
        count_log: bool = False,
        lam: float | None = None,
        *,
        scheduler: Any = None,
        compile: bool | dict[str, Any] = False,
    ) -> None:
        self.net, self.error, self.optimizer = net, error, optimizer
        self.stats = stats if stats is not None else LearningStats()
        self.classifier, self.count_log, self.lam = classifier, count_log, lam
        self.scheduler, self.compile = scheduler, compile
        self.reduction = _reduction(error)
        self.model: torch.nn.Module | None = None  # what runs: net, DDP(net) and/or its compiled form
        self.counts: list[float] | None = None  # mean event rate per layer over the last epoch (count_log)
        self._count_sums: list[float] = []
        self._count_batches = 0
        self.best_state: dict[str, Tensor] | None = None  # state dict of the best network seen by fit()
        self.elapsed = 0.0  # seconds of the last fit()
        self.train_seconds: list[float] = []  # seconds of each training phase of fit(), data loading included

    # -- setup -------------------------------------------------------------------------------------------------

    @property
    def device(self) -> torch.device:
        parameter = next(self.net.parameters(), None)
        return parameter.device if parameter is not None else torch.device("cpu")

    @property
    def rank(self) -> int:
        return distributed.rank()

    @property
    def world_size(self) -> int:
        return distributed.world_size()

    def prepare(self, input: Tensor) -> torch.nn.Module:
        """Build what runs the forward (once): under torch.distributed, a forward without gradients on ``input``
        gives every parameter its shape, then ``DistributedDataParallel`` wraps the network (copying rank 0's
        parameters to every rank); then ``torch.compile`` if asked."""
        if self.model is not None:
            return self.model
        model = self.net
        if distributed.is_distributed():
            was_training = self.net.training
            with torch.no_grad():
                self.net.eval()
                self.net(input.to(self.device))
            self.net.train(was_training)
            model = distributed.wrap_data_parallel(self.net, self.device)
        if self.compile:
            model = torch.compile(model, **(self.compile if isinstance(self.compile, dict) else {}))
        self.model = model
        return model

    # -- one batch ---------------------------------------------------------------------------------------------

    def _unpack(self, result: Any) -> tuple[Tensor, Tensor | None, Any]:
        """``(output, net_loss, counts)`` from what the network returned."""
        expected = 1 + (self.lam is not None) + bool(self.count_log)
        parts = tuple(result) if isinstance(result, (tuple, list)) else (result,)
        if len(parts) != expected:
            what = ["output"] + ["net_loss"] * (self.lam is not None) + ["counts"] * bool(self.count_log)
            raise ValueError(f"Assistant: the network must return ({', '.join(what)}), received {len(parts)} values")
        output = parts[0]
        net_loss = parts[1] if self.lam is not None else None
        counts = parts[-1] if self.count_log else None
        return output, net_loss, counts

    def _step(self, stat: LearningStat, input: Tensor, target: Any, train: bool) -> Any:
        model = self.prepare(input)
        input = input.to(self.device)
        target = target.to(self.device) if isinstance(target, Tensor) else target
        output, net_loss, counts = self._unpack(model(input))
        loss = self.error(output, target)
        batch = input.shape[0]
        loss_sum = loss.item() if self.reduction == "sum" else loss.item() * batch
        correct = None
        if self.classifier is not None:
            correct = int(torch.sum(self.classifier(output) == target).item())
        totals = distributed.sum_over_ranks([loss_sum, batch, correct or 0], self.device)
        stat.add(totals[0], int(totals[1]), None if correct is None else int(totals[2]))
        if counts is not None:
            self._add_counts(counts)
        if train:
            if net_loss is not None:
                loss = loss + self.lam * net_loss
            if self.reduction == "sum":  # DDP averages gradients over ranks; a summed loss wants their sum
                loss = loss * self.world_size
            self.optimizer.zero_grad()
            loss.backward()
            self.optimizer.step()
            self._clamp_parameters()
        return output if counts is None else (output, counts)

    def _clamp_parameters(self) -> None:
        """Project bounded parameters back into range after a step: every submodule with a ``clamp()`` method
        (slayer neurons: decays to [0, 4096]; axonal delays: [0, max_delay]). Their forward would clamp them
        anyway; doing it here keeps a state dict saved between two steps loadable (loading checks the ranges)."""
        with torch.no_grad():
            for module in self.net.modules():
                clamp = getattr(module, "clamp", None)
                if callable(clamp):
                    clamp()

    def train(self, input: Tensor, target: Any) -> Any:
        """One optimisation step on a batch; returns the output (and the counts with ``count_log``)."""
        self.net.train()
        return self._step(self.stats.training, input, target, train=True)

    def test(self, input: Tensor, target: Any) -> Any:
        """Evaluate a batch without gradients into ``stats.testing``."""
        self.net.eval()
        with torch.no_grad():
            return self._step(self.stats.testing, input, target, train=False)

    def valid(self, input: Tensor, target: Any) -> Any:
        """Evaluate a batch without gradients into ``stats.validation``."""
        self.net.eval()
        with torch.no_grad():
            return self._step(self.stats.validation, input, target, train=False)

    def reduce_lr(self, factor: float = 10 / 3) -> None:
        """Divide every parameter group's learning rate by ``factor``."""
        for group in self.optimizer.param_groups:
            group["lr"] /= factor
        if self.rank == 0:
            print(f"Learning rate reduced to {[group['lr'] for group in self.optimizer.param_groups]}")

    def _add_counts(self, counts: Any) -> None:
        if isinstance(counts, Tensor):  # lava-dl's tutorials return the rates as one (1, layers) tensor
            values = counts.detach().flatten().tolist()
        else:  # a list of per-block rates (0-d tensors, numbers or None)
            values = [float(torch.as_tensor(c).detach()) if c is not None else float("nan") for c in counts]
        if len(self._count_sums) != len(values):
            self._count_sums = [0.0] * len(values)
        self._count_sums = [a + b for a, b in zip(self._count_sums, values)]
        self._count_batches += 1

    # -- epochs ------------------------------------------------------------------------------------------------

    def _progress(self, iterable: Iterable, show: bool | None, **kwargs: Any) -> Iterable:
        if show is None:
            show = installed("tqdm")
        if not show or self.rank != 0:
            return iterable
        return tqdm_class("Assistant progress bars")(iterable, **kwargs)

    def run_epoch(self, phase: str, loader: Iterable, epoch: int = 0, progress: bool | None = None) -> LearningStat:
        """``phase`` (``'train'``, ``'valid'`` or ``'test'``) over every batch ``(input, target)`` of ``loader``,
        with a progress bar showing the running loss, accuracy and output spike rate (``progress=None``: when
        tqdm is installed). Returns that phase's :class:`LearningStat`."""
        step = {"train": self.train, "valid": self.valid, "test": self.test}[phase]
        stat = {"train": self.stats.training, "valid": self.stats.validation, "test": self.stats.testing}[phase]
        sampler = getattr(loader, "sampler", None)
        if phase == "train" and hasattr(sampler, "set_epoch"):
            sampler.set_epoch(epoch)  # DistributedSampler: a new shuffle each epoch, the same on every rank
        self._count_sums, self._count_batches = [], 0
        bar = self._progress(loader, progress, desc=f"{phase} {epoch}", leave=False)
        for input, target in bar:
            result = step(input, target)
            output = result[0] if isinstance(result, tuple) else result
            if hasattr(bar, "set_postfix"):
                postfix = {"loss": f"{stat.loss:.5g}", "rate": f"{output.detach().float().mean().item():.4f}"}
                if stat.accuracy is not None:
                    postfix["accuracy"] = f"{stat.accuracy:.4f}"
                bar.set_postfix(postfix)
        if self._count_batches:
            self.counts = [total / self._count_batches for total in self._count_sums]
        return stat

    def fit(
        self,
        train_loader: Iterable,
        epochs: int,
        test_loader: Iterable | None = None,
        valid_loader: Iterable | None = None,
        path: str | os.PathLike[str] | None = None,
        progress: bool | None = None,
        plots: bool | None = None,
        start_epoch: int = 0,
        save_every: int = 1,
    ) -> LearningStats:
        """Train for ``epochs`` epochs, each followed by validation and testing when their loaders are given.

        After every epoch the scheduler steps, the statistics are updated and the best network so far is kept
        (best test accuracy, else validation accuracy, else the lowest test / validation / training loss). With
        ``path``, rank 0 writes every ``save_every`` epochs and after the last: the best network
        ``path/network.pt``, a resumable ``path/checkpoint.pt`` and the logs ``path/<loss_str>.txt``,
        ``path/<accuracy_str>.txt``; at the end the curves ``path/loss.png``, ``path/accuracy.png``
        (``plots=None``: when matplotlib is installed). ``progress``: a bar over epochs and, for loaders of
        more than one batch, over batches (``None``: when tqdm is installed).
        """
        out = Path(path) if path is not None else None
        if out is not None and self.rank == 0:
            out.mkdir(parents=True, exist_ok=True)
        bar = self._progress(range(start_epoch, start_epoch + epochs), progress, desc="epochs")
        single_batch = hasattr(train_loader, "__len__") and len(train_loader) == 1  # type: ignore[arg-type]
        batch_bars = False if single_batch else progress
        start = time.perf_counter()
        for epoch in bar:
            started = time.perf_counter()
            self.run_epoch("train", train_loader, epoch, batch_bars)
            self.train_seconds.append(time.perf_counter() - started)
            if valid_loader is not None:
                self.run_epoch("valid", valid_loader, epoch, batch_bars)
            if test_loader is not None:
                self.run_epoch("test", test_loader, epoch, batch_bars)
            if self.scheduler is not None:
                self.scheduler.step()
            if hasattr(bar, "set_postfix_str"):
                bar.set_postfix_str(str(self.stats).replace("    ", " "), refresh=False)
            self.stats.update()
            if self._is_best():
                self.best_state = {name: value.detach().clone() for name, value in self.net.state_dict().items()}
            last = epoch == start_epoch + epochs - 1
            if out is not None and self.rank == 0 and ((epoch + 1 - start_epoch) % save_every == 0 or last):
                torch.save(self.best_state, out / "network.pt")
                self.save_checkpoint(out / "checkpoint.pt", epoch)
                self.stats.save(out)
        self.elapsed = time.perf_counter() - start
        if out is not None and self.rank == 0 and (plots or (plots is None and installed("matplotlib"))):
            self.stats.plot(path=out)
        return self.stats

    def _is_best(self) -> bool:
        for stat in (self.stats.testing, self.stats.validation):
            if stat.accuracy_log and stat.accuracy_log[-1] is not None:
                return stat.best_accuracy
        for stat in (self.stats.testing, self.stats.validation, self.stats.training):
            if stat.loss_log and stat.loss_log[-1] is not None:
                return stat.best_loss
        return False

    # -- checkpoints and plots ---------------------------------------------------------------------------------

    def save_checkpoint(self, path: str | os.PathLike[str], epoch: int) -> None:
        """Network, optimizer and scheduler state, the epoch and the statistics' logs, for :meth:`load_checkpoint`."""
        state = {
            "epoch": epoch,
            "net": self.net.state_dict(),
            "optimizer": self.optimizer.state_dict(),
            "scheduler": self.scheduler.state_dict() if self.scheduler is not None else None,
            "stats": {name: (s.loss_log, s.accuracy_log) for name, s in self.stats.phases.items()},
        }
        torch.save(state, path)

    def load_checkpoint(self, path: str | os.PathLike[str]) -> int:
        """Restore what :meth:`save_checkpoint` wrote; returns the next epoch to train
        (``fit(..., start_epoch=assistant.load_checkpoint(path))``)."""
        state = torch.load(path, map_location=self.device, weights_only=False)
        self.net.load_state_dict(state["net"])
        self.optimizer.load_state_dict(state["optimizer"])
        if self.scheduler is not None and state["scheduler"] is not None:
            self.scheduler.load_state_dict(state["scheduler"])
        for name, (losses, accuracies) in state["stats"].items():
            stat = self.stats.phases[name]
            stat.loss_log, stat.accuracy_log = list(losses), list(accuracies)
            stat.min_loss = min(stat.valid_loss_log, default=None)
            stat.max_accuracy = max(stat.valid_accuracy_log, default=None)
        return state["epoch"] + 1

    def grad_flow(self, path: str | os.PathLike[str] | None = None) -> dict[str, float]:
        """Gradient norm of every parameter that has one (call after a training step); drawn as a bar chart
        ``path/gradFlow.png`` when ``path`` is given (needs matplotlib)."""
        norms = {
            name: float(p.grad.norm())
            for name, p in self.net.named_parameters()
            if p.grad is not None and p.numel() > 1
        }
        if path is not None:
            plt = pyplot("Assistant.grad_flow")
            fig, ax = plt.subplots(figsize=(max(4, len(norms) * 0.6), 4))
            ax.bar(range(len(norms)), list(norms.values()))
            ax.set_xticks(range(len(norms)), list(norms), rotation=60, ha="right", fontsize=7)
            ax.set(ylabel="gradient norm", yscale="log", title="gradient flow")
            fig.tight_layout()
            fig.savefig(Path(path) / "gradFlow.png")
            plt.close(fig)
        return norms

    def __repr__(self) -> str:
        classifier = getattr(self.classifier, "__qualname__", self.classifier)
        return (
            f"Assistant(net={type(self.net).__name__}, error={self.error!r}, "
            f"optimizer={type(self.optimizer).__name__}, classifier={classifier!r}, count_log={self.count_log}, "
            f"lam={self.lam}, world_size={self.world_size})"
        )
