"""The exercise checkers of 09_distributed: contract tests that pass their solutions and name each mistake.

Every wrong answer below is written as a learner would write it (not imported from the checker), and
must be rejected with the message that names its misconception.
"""

from __future__ import annotations

import math

import pytest
import torch
from checker_calls import not_done, returns_none, run
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


@pytest.mark.parametrize("exercise", sorted(CHECKERS))
def test_stub_says_not_done_and_non_functions_are_named(exercise, capsys):
    check, name = CHECKERS[exercise]
    ok, out = run(check, not_done, capsys)
    assert not ok and "not done yet" in out
    for value in (None, torch.ones(2)):
        ok, out = run(check, value, capsys)
        assert not ok and "Pass the function itself" in out and f"check_ex{exercise.replace('.', '_')}({name})" in out


@pytest.mark.parametrize("exercise", sorted(CHECKERS))
def test_every_exercise_has_a_ladder_and_a_solution(exercise, capsys):
    assert 3 <= len(HINTS[exercise]) <= 4
    assert "___" in HINTS[exercise][-1]
    hint(exercise)
    assert f"Exercise {exercise}, hint 1 of {len(HINTS[exercise])}" in capsys.readouterr().out
    hint(exercise, 99)
    assert "show_solution" in capsys.readouterr().out
    show_solution(exercise)
    assert f"def solution_ex{exercise.replace('.', '_')}" in capsys.readouterr().out


@pytest.mark.parametrize("exercise", sorted(CHECKERS))
def test_code_that_raises_gets_one_line_with_its_meaning(exercise, capsys):
    check, _ = CHECKERS[exercise]

    def broken(*args):
        return torch.ones(2, 3) @ torch.ones(2, 3)

    ok, out = run(check, broken, capsys)
    assert not ok and "mat1 and mat2 shapes cannot be multiplied" in out and "What it means" in out


@pytest.mark.parametrize("exercise", sorted(CHECKERS))
def test_a_global_setting_left_changed_is_named_and_undone(exercise, capsys):
    check, _ = CHECKERS[exercise]
    solution = {"9.1": solution_ex9_1, "9.2": solution_ex9_2, "9.3": solution_ex9_3}[exercise]

    def leaves_grad_off(*args):
        torch.set_grad_enabled(False)
        return solution(*args)

    ok, out = run(check, leaves_grad_off, capsys)
    assert not ok and "gradient recording switched off" in out
    assert torch.is_grad_enabled()


# ---------------------------------------------------------------- Exercise 9.1: shard_for_rank

def test_ex9_1_solution_is_distributed_samplers_rule():
    for n, rank, world_size in EX9_1_CASES:
        sampler = DistributedSampler(range(n), num_replicas=world_size, rank=rank, shuffle=False)
        assert solution_ex9_1(n, rank, world_size) == list(sampler)


def test_ex9_1_accepts_the_solution_and_another_right_answer(capsys):
    ok, out = run(check_ex9_1, solution_ex9_1, capsys)
    assert ok and out.startswith("✅ Exercise 9.1 (shard_for_rank)")

    def with_a_while_loop(n, rank, world_size):
        per_rank, order = -(-n // world_size), list(range(n))
        while len(order) < per_rank * world_size:
            order += list(range(n))
        return order[: per_rank * world_size][rank::world_size]

    assert run(check_ex9_1, with_a_while_loop, capsys)[0]


def test_ex9_1_names_missing_padding(capsys):
    ok, out = run(check_ex9_1, lambda n, rank, world_size: list(range(n))[rank::world_size], capsys)
    assert not ok and "for n=10, rank=2, world_size=3 it returned [2, 5, 8], expected [2, 5, 8, 1]" in out
    assert "without padding, the ranks get different numbers of samples" in out


def test_ex9_1_names_floor_instead_of_ceil(capsys):
    def floor(n, rank, world_size):
        per_rank = n // world_size
        return [i % n for i in range(per_rank * world_size)][rank::world_size]

    ok, out = run(check_ex9_1, floor, capsys)
    assert not ok and "for n=10, rank=0, world_size=3" in out
    assert "rounded the per-rank count down" in out and "drop_last=True" in out


def test_ex9_1_names_contiguous_blocks(capsys):
    def blocks(n, rank, world_size):
        per_rank = math.ceil(n / world_size)
        return [i % n for i in range(rank * per_rank, (rank + 1) * per_rank)]

    ok, out = run(check_ex9_1, blocks, capsys)
    assert not ok and "rank=0, world_size=2 it returned [0, 1, 2, 3], expected [0, 2, 4, 6]" in out
    assert "contiguous block" in out and "like cards" in out


def test_ex9_1_names_padding_with_the_last_index(capsys):
    def pad_with_end(n, rank, world_size):
        order = list(range(n))
        while len(order) < math.ceil(n / world_size) * world_size:
            order.append(n - 1)
        return order[rank::world_size]

    ok, out = run(check_ex9_1, pad_with_end, capsys)
    assert not ok and "it returned [2, 5, 8, 9], expected [2, 5, 8, 1]" in out and "repeats the wrong samples" in out


def test_ex9_1_holds_the_learner_to_a_list_of_ints(capsys):
    ok, out = run(check_ex9_1, lambda n, r, w: torch.arange(math.ceil(n / w) * w)[r::w] % n, capsys)
    assert not ok and "it returned a tensor" in out and "`.tolist()`" in out
    ok, out = run(check_ex9_1, lambda n, r, w: [float(i) for i in solution_ex9_1(n, r, w)], capsys)
    assert not ok and "holding 0.0 (float)" in out
    ok, out = run(check_ex9_1, lambda n, r, w: tuple(solution_ex9_1(n, r, w)), capsys)
    assert not ok and "it returned a tuple" in out
    ok, out = run(check_ex9_1, returns_none, capsys)
    assert not ok and "returned None" in out


# ---------------------------------------------------------------- Exercise 9.2: average_gradients

def test_ex9_2_accepts_the_solution_and_other_right_answers(capsys):
    ok, out = run(check_ex9_2, solution_ex9_2, capsys)
    assert ok and out.startswith("✅ Exercise 9.2 (average_gradients)")
    assert run(check_ex9_2, lambda grads: torch.stack(grads).mean(dim=0), capsys)[0]
    assert run(check_ex9_2, lambda grads: sum(grads) / len(grads), capsys)[0]

    def loop(grads):
        total = torch.zeros_like(grads[0])
        for g in grads:
            total += g / len(grads)  # DDP's order: divide, then sum
        return total

    assert run(check_ex9_2, loop, capsys)[0]


def test_ex9_2_names_the_sum(capsys):
    ok, out = run(check_ex9_2, lambda grads: torch.stack(grads).sum(dim=0), capsys)
    assert not ok and "on input 1 (2 ranks" in out and "the sum of the ranks' gradients, world_size times the mean" in out


def test_ex9_2_names_dividing_twice(capsys):
    def divided_twice(grads):
        return sum(g / len(grads) for g in grads) / len(grads)

    ok, out = run(check_ex9_2, divided_twice, capsys)
    assert not ok and "divided by the world size once more" in out


def test_ex9_2_names_the_wrong_dimension(capsys):
    ok, out = run(check_ex9_2, lambda grads: torch.stack(grads).mean(dim=1), capsys)
    assert not ok and "averaged over the wrong dimension" in out
    ok, out = run(check_ex9_2, lambda grads: torch.stack(grads).mean(), capsys)
    assert not ok and "averaged every number into one" in out


def test_ex9_2_names_summing_into_rank_0s_own_gradient(capsys):
    def in_place(grads):
        total = grads[0]
        for g in grads[1:]:
            total += g
        return total / len(grads)

    ok, out = run(check_ex9_2, in_place, capsys)
    assert not ok and "changed rank 0's gradient in the caller's list" in out and "torch.zeros_like" in out


def test_ex9_2_holds_the_dtype_and_a_new_tensor(capsys):
    ok, out = run(check_ex9_2, lambda grads: torch.stack(grads).float().mean(dim=0), capsys)
    assert not ok and "on input 2" in out and "the dtype is torch.float32, expected torch.float64" in out

    def one_rank_returns_its_own(grads):
        return grads[0] if len(grads) == 1 else torch.stack(grads).mean(dim=0)

    ok, out = run(check_ex9_2, one_rank_returns_its_own, capsys)
    assert not ok and "returned one of the caller's own tensors" in out


def test_ex9_2_catches_a_near_miss(capsys):
    ok, out = run(check_ex9_2, lambda grads: torch.stack(grads).sum(dim=0) / (len(grads) + 1e-4), capsys)
    assert not ok and "the values are wrong" in out


# ---------------------------------------------------------------- Exercise 9.3: effective_batch_and_lr

def test_ex9_3_accepts_the_solution(capsys):
    ok, out = run(check_ex9_3, solution_ex9_3, capsys)
    assert ok and out.startswith("✅ Exercise 9.3 (effective_batch_and_lr)")
    assert solution_ex9_3(64, 2, 2, 0.05, 128) == (256, 0.1)


def test_ex9_3_names_the_learning_rate_scaled_the_wrong_way(capsys):
    ok, out = run(check_ex9_3, lambda b, w, a, lr, base: (b * w * a, lr * base / (b * w * a)), capsys)
    assert not ok and "it returned (256, 0.025), expected (256, 0.1)" in out and "went the wrong way" in out


def test_ex9_3_names_a_batch_without_the_world_size(capsys):
    ok, out = run(check_ex9_3, lambda b, w, a, lr, base: (b * a, lr * b * a / base), capsys)
    assert not ok and "leaves out the other ranks" in out


def test_ex9_3_names_a_batch_without_the_accumulated_micro_batches(capsys):
    ok, out = run(check_ex9_3, lambda b, w, a, lr, base: (b * w, lr * b * w / base), capsys)
    assert not ok and "accumulate=4" in out and "leaves out the accumulated micro-batches" in out


def test_ex9_3_names_lr_times_world_size_and_an_unscaled_lr(capsys):
    ok, out = run(check_ex9_3, lambda b, w, a, lr, base: (b * w * a, lr * w), capsys)
    assert not ok and "multiplied by the world size" in out
    ok, out = run(check_ex9_3, lambda b, w, a, lr, base: (b * w * a, lr), capsys)
    assert not ok and "base_lr unchanged" in out


def test_ex9_3_holds_the_learner_to_an_int_a_float_and_a_tuple(capsys):
    ok, out = run(check_ex9_3, lambda b, w, a, lr, base: (b * w * a / 1, lr * b * w * a / base), capsys)
    assert not ok and "the effective batch: it returned 128.0 (float), expected a Python int" in out
    ok, out = run(check_ex9_3, lambda b, w, a, lr, base: (b * w * a, torch.tensor(lr * b * w * a / base)), capsys)
    assert not ok and "the learning rate: it returned tensor(" in out and "`.item()`" in out
    ok, out = run(check_ex9_3, lambda b, w, a, lr, base: [b * w * a, lr * b * w * a / base], capsys)
    assert not ok and "a list of 2 items" in out and "return the tuple" in out
    ok, out = run(check_ex9_3, lambda b, w, a, lr, base: lr * b * w * a / base, capsys)
    assert not ok and "it returned a float" in out


def test_ex9_3_catches_a_near_miss(capsys):
    ok, out = run(check_ex9_3, lambda b, w, a, lr, base: (b * w * a, lr * b * w * a / base * 1.001), capsys)
    assert not ok and "expected (128, 0.05)." in out
