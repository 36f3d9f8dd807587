"""What the Assistant needs from torch.distributed: rank, world size, a sum over ranks, DDP wrapping."""

from __future__ import annotations

import torch
import torch.distributed as dist


def is_distributed() -> bool:
    return dist.is_available() and dist.is_initialized()


def rank() -> int:
    return dist.get_rank() if is_distributed() else 0


def world_size() -> int:
    return dist.get_world_size() if is_distributed() else 1


def sum_over_ranks(values: list[float], device: torch.device) -> list[float]:
    """``values`` summed element-wise over all ranks (unchanged in a single process)."""
    if not is_distributed():
        return values
    if dist.get_backend() == "nccl" and device.type != "cuda":
        device = torch.device("cuda", torch.cuda.current_device())
    totals = torch.tensor(values, dtype=torch.float64, device=device)
    dist.all_reduce(totals)
    return totals.tolist()


def wrap_data_parallel(net: torch.nn.Module, device: torch.device) -> torch.nn.Module:
    """``DistributedDataParallel`` around ``net`` (parameters must already have their final shapes)."""
    from torch.nn.parallel import DistributedDataParallel

    device_ids = [device] if device.type == "cuda" else None
    return DistributedDataParallel(net, device_ids=device_ids)
