"""The exercise checkers of 09_distributed pass their solutions and catch typical mistakes."""

import math

import pytest
import torch
from torch.utils.data import DistributedSampler

from helpers.checks import hint, show_solution
from helpers.checks.distributed import (
    EX9_1_CASES,
    HINTS,
    check_ex9_1,
    check_ex9_2,
    check_ex9_3,
    solution_ex9_1,
    solution_ex9_2,
    solution_ex9_3,
)

CHECKERS = {"9.1": (check_ex9_1, "shard_for_rank"), "9.2": (check_ex9_2, "average_gradients"),
            "9.3": (check_ex9_3, "effective_batch_and_lr")}


def _stub(*args):
    raise NotImplementedError


@pytest.mark.parametrize("exercise", sorted(CHECKERS))
def test_stub_says_not_done_and_non_functions_are_named(exercise, capsys):
    check, name = CHECKERS[exercise]
    assert not check(_stub)
    assert "not done yet" in capsys.readouterr().out
    for value in (None, torch.ones(2)):
        assert not check(value)
        out = capsys.readouterr().out
        assert "Pass the function itself" in out and f"check_ex{exercise.replace('.', '_')}({name})" in out


@pytest.mark.parametrize("exercise", sorted(CHECKERS))
def test_every_exercise_has_hints_and_a_solution(exercise, capsys):
    assert 2 <= len(HINTS[exercise]) <= 3
    hint(exercise)
    assert f"Exercise {exercise}, hint 1 of {len(HINTS[exercise])}" in capsys.readouterr().out
    hint(exercise, 99)
    assert "show_solution" in capsys.readouterr().out
    show_solution(exercise)
    assert f"def solution_ex{exercise.replace('.', '_')}" in capsys.readouterr().out


# ---------------------------------------------------------------- Exercise 9.1: shard_for_rank

def test_ex9_1_solution_is_distributed_samplers_rule():
    for n, rank, world_size in EX9_1_CASES:
        sampler = DistributedSampler(range(n), num_replicas=world_size, rank=rank, shuffle=False)
        assert solution_ex9_1(n, rank, world_size) == list(sampler)


def test_ex9_1_accepts_the_solution_and_a_tensor(capsys):
    assert check_ex9_1(solution_ex9_1)
    assert capsys.readouterr().out.startswith("✅ Exercise 9.1 (shard_for_rank)")
    assert check_ex9_1(lambda n, rank, world_size: torch.arange(math.ceil(n / world_size) * world_size)[rank::world_size] % n)


def test_ex9_1_catches_missing_padding(capsys):
    assert not check_ex9_1(lambda n, rank, world_size: list(range(n))[rank::world_size])
    out = capsys.readouterr().out
    assert out.startswith("❌ Exercise 9.1") and "for n=10, rank=2, world_size=3 it returned 3 indices, expected 4" in out


def test_ex9_1_catches_contiguous_blocks(capsys):
    def blocks(n, rank, world_size):
        per_rank = math.ceil(n / world_size)
        return [i % n for i in range(rank * per_rank, (rank + 1) * per_rank)]

    assert not check_ex9_1(blocks)
    out = capsys.readouterr().out
    assert "rank=0, world_size=2 it returned the contiguous block [0, 1, 2, 3]" in out and "[0, 2, 4, 6]." in out


def test_ex9_1_catches_padding_with_the_end_and_a_missing_return(capsys):
    def pad_with_end(n, rank, world_size):
        total = math.ceil(n / world_size) * world_size
        return [min(i, n - 1) for i in range(total)][rank::world_size]

    assert not check_ex9_1(pad_with_end)
    assert "for n=10, rank=2, world_size=3 it returned [2, 5, 8, 9], expected [2, 5, 8, 1]." in capsys.readouterr().out
    assert not check_ex9_1(lambda n, rank, world_size: None)
    assert "returned None" in capsys.readouterr().out


# ---------------------------------------------------------------- Exercise 9.2: average_gradients

def test_ex9_2_accepts_the_solution_and_mean(capsys):
    assert check_ex9_2(solution_ex9_2)
    assert capsys.readouterr().out.startswith("✅ Exercise 9.2 (average_gradients)")
    assert check_ex9_2(lambda grads: torch.stack(grads).mean(dim=0))
    assert check_ex9_2(lambda grads: sum(grads) / len(grads))


def test_ex9_2_catches_the_sum(capsys):
    assert not check_ex9_2(lambda grads: torch.stack(grads).sum(dim=0))
    out = capsys.readouterr().out
    assert out.startswith("❌ Exercise 9.2") and "it returned the sum, 2 times the mean" in out


def test_ex9_2_catches_the_wrong_dimension_and_float32(capsys):
    assert not check_ex9_2(lambda grads: torch.stack(grads).mean(dim=1))
    assert "on input 1 (2 ranks, gradients of shape (2,)) the values are wrong" in capsys.readouterr().out
    assert not check_ex9_2(lambda grads: torch.stack(grads[:2]).mean(dim=0))  # only two of the ranks
    assert "on input 2 (4 ranks, gradients of shape (3, 4)) the values are wrong" in capsys.readouterr().out
    assert not check_ex9_2(lambda grads: torch.stack(grads).float().mean(dim=0))
    assert "the dtype is torch.float32, expected torch.float64" in capsys.readouterr().out


def test_ex9_2_catches_a_near_miss(capsys):
    assert not check_ex9_2(lambda grads: torch.stack(grads).sum(dim=0) / (len(grads) + 1e-4))
    assert "the values are wrong" in capsys.readouterr().out


# ---------------------------------------------------------------- Exercise 9.3: effective_batch_and_lr

def test_ex9_3_accepts_the_solution(capsys):
    assert check_ex9_3(solution_ex9_3)
    assert capsys.readouterr().out.startswith("✅ Exercise 9.3 (effective_batch_and_lr)")
    assert solution_ex9_3(64, 2, 0.05, 128) == (128, 0.05)


def test_ex9_3_catches_lr_times_world_size(capsys):
    assert not check_ex9_3(lambda b, w, lr, base: (b * w, lr * w))
    out = capsys.readouterr().out
    assert "the learning rate is 0.1, expected 0.05: that multiplies by the world size" in out


def test_ex9_3_catches_unscaled_lr_and_forgotten_world_size(capsys):
    assert not check_ex9_3(lambda b, w, lr, base: (b * w, lr))
    assert "expected 0.1: that is base_lr unchanged" in capsys.readouterr().out
    assert not check_ex9_3(lambda b, w, lr, base: (b, lr * b / base))
    assert "the effective batch is 64, expected 128 (it is the per-process batch times the world size)" in (
        capsys.readouterr().out)


def test_ex9_3_catches_a_near_miss_and_a_single_number(capsys):
    assert not check_ex9_3(lambda b, w, lr, base: (b * w, lr * b * w / base * 1.001))
    assert "expected 0.05." in capsys.readouterr().out
    assert not check_ex9_3(lambda b, w, lr, base: lr * b * w / base)
    assert "return two numbers" in capsys.readouterr().out
