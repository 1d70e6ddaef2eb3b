#!/usr/bin/python3
"""Numerical reference for Stable Diffusion scheduling and for the whole tiny pipeline, independent
of the C# code and of ONNX Runtime (numpy + torch only; diffusers' schedulers written out in
schedulers.py beside this file).

    /usr/bin/python3 reference.py                     # scheduler_reference.json and reference.json
    /usr/bin/python3 reference.py --schedulers-only   # scheduler_reference.json only
    /usr/bin/python3 reference.py --check             # recompute both, require identical files

Writing reference.json also writes noise.bin and runs check_reference.mjs (node, onnxruntime-node from
--tjs-dir, default $TJS_DIR or /tmp/tjs): the committed ONNX files replayed on the reference's
recorded inputs must agree with it (--skip-node skips that, not for commits).

scheduler_reference.json (part a): for PNDM, EulerDiscrete and EulerAncestral (timestep_spacing
leading / linspace / trailing) with 1, 2, 4, 20 and 50 steps, and LCM with 1, 2, 4 and 8 steps: the
timesteps, the sigmas (Euler schedulers) and init_noise_sigma, for two source scheduler configs:
this fixture's scheduler/scheduler_config.json and Stable Diffusion 1.5's (its numbers only,
written below; read from ../../../shared when present to check they still match). Each scheduler is
made as a pipeline makes it, `Kind.from_config(source_config, timestep_spacing=...)`: keys the
source lacks take the class's own defaults. Plus step traces: a small sample (8 floats, shape
[1, 2, 2, 2]) stepped through each schedule with recorded model outputs, so a scheduler
implementation can be checked step by step without a UNet.

reference.json (part b): the full pipeline on this fixture's models (the torch modules of
make_model.py, the very weights exported to ONNX), see make_pipeline_reference().
"""
import argparse
import filecmp
import json
import os
import shutil
import subprocess
import sys
import tempfile

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import schedulers as S  # noqa: E402

SD15_SHARED = os.path.join(HERE, "..", "..", "..", "shared", "models", "_tokenizers", "clip-sd",
                           "scheduler", "scheduler_config.json")
# Stable Diffusion 1.5's scheduler/scheduler_config.json (runwayml/stable-diffusion-v1-5): its values,
# not the file. It has no prediction_type and no timestep_spacing: the classes' defaults apply.
SD15_SCHEDULER = {"_class_name": "PNDMScheduler", "beta_end": 0.012, "beta_schedule": "scaled_linear",
                  "beta_start": 0.00085, "num_train_timesteps": 1000, "set_alpha_to_one": False,
                  "skip_prk_steps": True, "steps_offset": 1, "trained_betas": None, "clip_sample": False}
# This fixture's scheduler/scheduler_config.json (make_model.py writes the same dict).
FIXTURE_SCHEDULER = {"_class_name": "PNDMScheduler", "beta_end": 0.012, "beta_schedule": "scaled_linear",
                     "beta_start": 0.00085, "clip_sample": False, "num_train_timesteps": 1000,
                     "prediction_type": "epsilon", "set_alpha_to_one": False, "skip_prk_steps": True,
                     "steps_offset": 1, "timestep_spacing": "leading", "trained_betas": None}

STEPS = [1, 2, 4, 20, 50]
LCM_STEPS = [1, 2, 4, 8]
SPACINGS = ["leading", "linspace", "trailing"]
TRACE_SEED = 1234


def f32list(t):
    """float32 values as JSON numbers: each is the shortest decimal that reads back as the same float32
    (np.float32's repr), so a C# float.Parse gives the identical bits."""
    a = np.asarray(t.detach().numpy() if isinstance(t, torch.Tensor) else t, dtype=np.float32).reshape(-1)
    return [float(str(x)) for x in a]


def f32(x):
    return f32list(torch.as_tensor(x, dtype=torch.float32).reshape(1))[0]


def schedule_cases(src_name, src_cfg):
    cases = []
    for kind in ["PNDM", "EulerDiscrete", "EulerAncestral", "LCM"]:
        spacings = [None] if kind in ("PNDM", "LCM") else [None] + SPACINGS
        for sp in spacings:
            for n in (LCM_STEPS if kind == "LCM" else STEPS):
                s = S.make(kind, src_cfg, sp)
                if sp is None and kind in ("EulerDiscrete", "EulerAncestral") and src_cfg.get("timestep_spacing"):
                    continue  # the config names a spacing: the no-override case equals one of the three
                ts = s.set_timesteps(n)
                case = {"source_config": src_name, "scheduler": s.name,
                        "timestep_spacing_override": sp,
                        "effective_config": {k: v for k, v in s.cfg.items()},
                        "num_inference_steps": n,
                        "timesteps": [int(t) for t in ts] if ts.dtype == torch.int64 else f32list(ts),
                        "timesteps_dtype": "int64" if ts.dtype == torch.int64 else "float32",
                        "model_calls": len(ts),
                        "init_noise_sigma": f32(s.init_noise_sigma)}
                if hasattr(s, "sigmas"):
                    case["sigmas"] = f32list(s.sigmas)
                cases.append(case)
    return cases


def toy_model(x, t):
    """The stand-in for a UNet in the step traces: eps = 0.5 * x + 0.001 * t (float32). Its outputs
    are recorded in the JSON, so a test need not recompute it."""
    return x * 0.5 + torch.tensor(float(t) * 0.001, dtype=torch.float32)


def step_trace(kind, src_cfg, spacing, n, rng):
    s = S.make(kind, src_cfg, spacing)
    ts = s.set_timesteps(n)
    sample0 = torch.from_numpy(rng.standard_normal((1, 2, 2, 2)).astype(np.float32))
    noises = [torch.from_numpy(rng.standard_normal((1, 2, 2, 2)).astype(np.float32)) for _ in range(len(ts))]
    latents = sample0 * s.init_noise_sigma
    out = {"scheduler": s.name, "timestep_spacing": s.cfg.get("timestep_spacing"), "num_inference_steps": n,
           "shape": [1, 2, 2, 2], "noise_0": f32list(sample0), "init_noise_sigma": f32(s.init_noise_sigma),
           "latents_0": f32list(latents), "calls": []}
    for i, t in enumerate(ts):
        x_in = s.scale_model_input(latents, t)
        eps = toy_model(x_in, t)
        noise = noises[i] if S.needs_noise(s) else None
        latents = s.step(eps, t, latents, noise)
        call = {"timestep": int(t) if ts.dtype == torch.int64 else f32(t), "model_input": f32list(x_in),
                "model_output": f32list(eps)}
        if noise is not None:
            call["step_noise"] = f32list(noise)
        call["prev_sample"] = f32list(latents)
        out["calls"].append(call)
    return out


def make_scheduler_reference():
    if os.path.exists(SD15_SHARED):  # the numbers above must still be the real file's
        with open(SD15_SHARED) as f:
            real = json.load(f)
        real.pop("_diffusers_version", None)
        assert real == SD15_SCHEDULER, "SD15_SCHEDULER differs from " + SD15_SHARED
    with open(os.path.join(HERE, "scheduler", "scheduler_config.json")) as f:
        fx = json.load(f)
    fx.pop("_diffusers_version", None)
    assert fx == FIXTURE_SCHEDULER, "FIXTURE_SCHEDULER differs from scheduler/scheduler_config.json"
    ref = {
        "about": "Expected scheduler numbers for Stable Diffusion pipelines, computed by schedulers.py "
                 "(diffusers' PNDMScheduler, EulerDiscreteScheduler, EulerAncestralDiscreteScheduler and "
                 "LCMScheduler written out in torch/numpy, float32 as diffusers). Each scheduler is "
                 "Kind.from_config(source_config, timestep_spacing=override): keys the source lacks take the "
                 "class's defaults (Euler*: timestep_spacing linspace; LCM: original_inference_steps 50, "
                 "timestep_scaling 10; set_alpha_to_one and steps_offset come from the source). Floats are "
                 "float32 values written as the shortest decimal that reads back to the same float32.",
        "source_configs": {"fixture": FIXTURE_SCHEDULER, "sd15": SD15_SCHEDULER},
        "alphas_cumprod": {},
        "cases": [],
        "step_traces": {
            "about": "Each trace: latents_0 = noise_0 * init_noise_sigma; per model call i: model_input = "
                     "scale_model_input(latents, t), model_output = 0.5 * model_input + 0.001 * t (float32, "
                     "recorded), prev_sample = step(model_output, t, latents[, step_noise]) -> the next latents. "
                     "PNDM makes num_inference_steps + 1 calls (skip_prk_steps). EulerAncestral takes a noise "
                     "array at every step (times sigma_up, 0 at the last), LCM at all but the last. Source "
                     "config: fixture (and SD 1.5 for the spacing it defaults to).",
            "traces": []},
    }
    _, ac = S.make_betas(FIXTURE_SCHEDULER)
    ref["alphas_cumprod"] = {"indices": [0, 1, 250, 500, 999], "values": f32list(ac[[0, 1, 250, 500, 999]])}
    for name, cfg in (("fixture", FIXTURE_SCHEDULER), ("sd15", SD15_SCHEDULER)):
        ref["cases"] += schedule_cases(name, cfg)
    rng = np.random.default_rng(TRACE_SEED)
    tr = ref["step_traces"]["traces"]
    for n in [1, 2, 4, 20]:
        tr.append(step_trace("PNDM", FIXTURE_SCHEDULER, None, n, rng))
    for kind in ["EulerDiscrete", "EulerAncestral"]:
        for sp in SPACINGS:
            for n in [1, 2, 4]:
                tr.append(step_trace(kind, FIXTURE_SCHEDULER, sp, n, rng))
    for n in LCM_STEPS:
        tr.append(step_trace("LCM", FIXTURE_SCHEDULER, None, n, rng))
    return ref


def write_json(path, obj):
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        json.dump(obj, f, indent=1, ensure_ascii=False)
        f.write("\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--schedulers-only", action="store_true")
    ap.add_argument("--check", action="store_true", help="recompute into a temp dir and require identical files")
    ap.add_argument("--out", default=HERE)
    ap.add_argument("--tjs-dir", default=os.environ.get("TJS_DIR", "/tmp/tjs"),
                    help="folder whose node_modules has onnxruntime-node (for check_reference.mjs)")
    ap.add_argument("--skip-node", action="store_true", help="skip check_reference.mjs (not for commits)")
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        files = ["scheduler_reference.json"]
        write_json(os.path.join(tmp, "scheduler_reference.json"), make_scheduler_reference())
        if not a.schedulers_only:
            import pipeline_reference  # noqa: E402  (needs make_model.py's torch modules)
            files += ["reference.json", pipeline_reference.NOISE_FILE]
            write_json(os.path.join(tmp, "reference.json"), pipeline_reference.make(tmp))
            if not a.skip_node:  # the committed ONNX files must reproduce it (ONNX Runtime vs torch)
                r = subprocess.run(["node", os.path.join(HERE, "check_reference.mjs"), tmp], cwd=a.tjs_dir)
                if r.returncode != 0:
                    sys.exit("check_reference.mjs failed: nothing written")
        if a.check:
            bad = [f for f in files if not filecmp.cmp(os.path.join(tmp, f), os.path.join(a.out, f), shallow=False)]
            print("reference: " + ("identical" if not bad else "DIFFERENT: " + ", ".join(bad)))
            sys.exit(1 if bad else 0)
        for f in files:
            shutil.copyfile(os.path.join(tmp, f), os.path.join(a.out, f))
            print("wrote", os.path.join(a.out, f))


if __name__ == "__main__":
    main()
