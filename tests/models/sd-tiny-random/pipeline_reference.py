"""Part (b) of reference.py: diffusers' StableDiffusionPipeline.__call__ (pipelines/stable_diffusion/
pipeline_stable_diffusion.py, diffusers main 58eb52c) written out on this fixture's torch modules
(make_model.py: the same modules and weights that are exported to ONNX), with the noise read from
noise.bin instead of torch's generator. The steps, in the pipeline's order:

1. encode_prompt: tokenizer(prompt, padding="max_length", max_length=77, truncation=True) ->
   text_encoder(input_ids)[0] (last_hidden_state; no attention mask: the config has no
   use_attention_mask). With classifier-free guidance (guidance_scale > 1 and no time_cond_proj_dim)
   the negative prompt ("" when none) the same way, and prompt_embeds = cat([negative, positive]).
2. scheduler.set_timesteps(num_inference_steps) (schedulers.py).
3. prepare_latents: latents = noise[1, 4, height/8, width/8] * scheduler.init_noise_sigma.
4. for t in timesteps: x = cat([latents] * 2) with guidance else latents; x = scale_model_input(x, t);
   eps = unet(x, t, prompt_embeds); with guidance eps = uncond + g * (text - uncond);
   latents = scheduler.step(eps, t, latents[, the step's noise]).
5. image = vae.decode(latents / scaling_factor); image_processor.postprocess (image_processor.py):
   denormalize (x * 0.5 + 0.5).clamp(0, 1), pt_to_numpy (NCHW -> NHWC), numpy_to_pil
   (x * 255).round().astype("uint8").

The UNet gets the timestep as a float32 scalar (the ONNX input's dtype and shape).
"""
import base64
import hashlib
import os

import numpy as np
import torch

import schedulers as S

NOISE_FILE = "noise.bin"
NOISE_SEED = 20251201

CASES = [
    {"name": "square_pndm_cfg", "prompt": "a photo of a red fox in the snow, highly detailed",
     "negative_prompt": "blurry, low quality", "guidance_scale": 7.5, "num_inference_steps": 4,
     "scheduler": "PNDM", "timestep_spacing": None, "width": 64, "height": 64},
    {"name": "portrait_euler_trailing_no_cfg", "prompt": "an oil painting of a lighthouse at night",
     "negative_prompt": None, "guidance_scale": 1.0, "num_inference_steps": 4,
     "scheduler": "EulerDiscrete", "timestep_spacing": "trailing", "width": 64, "height": 96},
    {"name": "landscape_lcm_no_cfg", "prompt": "a cozy wooden cabin by the lake, 4k",
     "negative_prompt": None, "guidance_scale": 1.0, "num_inference_steps": 4,
     "scheduler": "LCM", "timestep_spacing": None, "width": 96, "height": 64},
    {"name": "square_euler_ancestral_cfg", "prompt": "a cute robot in a garden, digital art",
     "negative_prompt": "ugly, deformed", "guidance_scale": 5.0, "num_inference_steps": 3,
     "scheduler": "EulerAncestral", "timestep_spacing": "linspace", "width": 64, "height": 64},
]


def f32list(t):
    return [float(str(x)) for x in np.asarray(t.detach().numpy() if isinstance(t, torch.Tensor) else t,
                                               dtype=np.float32).reshape(-1)]


def make(out_dir):
    import make_model as M
    from reference import FIXTURE_SCHEDULER
    vocab, ranks, ((te, tc), (un, uc), (vae, vc)) = M.load_fixture()
    rng = np.random.default_rng(NOISE_SEED)
    noise_parts, offset = [], 0
    out = {
        "about": "Expected outputs of diffusers' StableDiffusionPipeline on this fixture, computed by "
                 "reference.py / pipeline_reference.py in torch on make_model.py's modules (not with ONNX "
                 "Runtime: expect float differences of about 1e-5 against ONNX, so image bytes may differ by 1). "
                 "Noise: noise.bin, raw little-endian float32; each case lists its arrays (offset in floats, "
                 "shape, row-major NCHW). Floats are float32 values as the shortest decimal that reads back "
                 "to the same float32. image_rgb_base64: height x width x 3 uint8, row-major, RGB.",
        "noise_file": NOISE_FILE, "noise_seed": NOISE_SEED,
        "noise_generator": "numpy.random.default_rng(noise_seed).standard_normal(shape).astype(float32), "
                           "arrays drawn in the order listed, case after case",
        "scheduler_source_config": FIXTURE_SCHEDULER,
        "vae_scaling_factor": M.SCALING_FACTOR,
        "cases": [],
    }

    def draw(shape, what, arrays):
        nonlocal offset
        a = rng.standard_normal(shape).astype(np.float32)
        noise_parts.append(a)
        arrays.append({"what": what, "offset": offset, "shape": list(shape)})
        offset += a.size
        return torch.from_numpy(a)

    for case in CASES:
        s = S.make(case["scheduler"], FIXTURE_SCHEDULER, case["timestep_spacing"])
        cfg = case["guidance_scale"] > 1  # and the UNet has no time_cond_proj_dim
        ids = M.pipeline_ids(case["prompt"], ranks, vocab)
        neg_ids = M.pipeline_ids(case["negative_prompt"] or "", ranks, vocab) if cfg else None
        with torch.no_grad():
            pe = te(torch.tensor([ids]))[0]
            if cfg:
                ne = te(torch.tensor([neg_ids]))[0]
                pe = torch.cat([ne, pe])
        ts = s.set_timesteps(case["num_inference_steps"])
        shape = (1, 4, case["height"] // 8, case["width"] // 8)
        arrays = []
        latents = draw(shape, "initial latent (before * init_noise_sigma)", arrays)
        step_noise = [draw(shape, f"step {i} noise", arrays) for i in range(len(ts))
                      if (isinstance(s, S.EulerAncestral) or (isinstance(s, S.LCM) and i < len(ts) - 1))]
        latents = latents * s.init_noise_sigma
        steps = []
        for i, t in enumerate(ts):
            x = torch.cat([latents] * 2) if cfg else latents
            x = s.scale_model_input(x, t)
            with torch.no_grad():
                eps = un(x, torch.tensor(float(t), dtype=torch.float32), pe)
            if cfg:
                eu, et = eps.chunk(2)
                eps = eu + case["guidance_scale"] * (et - eu)
            latents = s.step(eps, t, latents, step_noise[i] if i < len(step_noise) else None)
            steps.append({"timestep": int(t) if ts.dtype == torch.int64 else float(str(np.float32(t))),
                          "model_input": f32list(x), "noise_pred": f32list(eps), "latents": f32list(latents)})
        with torch.no_grad():
            image = vae(latents / M.SCALING_FACTOR)
        image = (image * 0.5 + 0.5).clamp(0, 1)
        arr = image.permute(0, 2, 3, 1).float().numpy()
        u8 = (arr * 255).round().astype("uint8")[0]
        rgb = u8.tobytes()
        entry = dict(case)
        entry.update({
            "scheduler_class": s.name,
            "scheduler_effective_config": s.cfg,
            "do_classifier_free_guidance": cfg,
            "input_ids": ids,
            "negative_input_ids": neg_ids,
            "prompt_embeds_first8": f32list(pe[-1, 0:2, :4]),
            "timesteps": [st["timestep"] for st in steps],
            "sigmas": f32list(s.sigmas) if hasattr(s, "sigmas") else None,
            "init_noise_sigma": float(str(np.float32(s.init_noise_sigma))),
            "unet_calls": len(ts) * (2 if cfg else 1),
            "noise_arrays": arrays,
            "steps": steps,
            "latent_shape": list(shape),
            "final_latents": f32list(latents),
            "image_shape_hwc": list(u8.shape),
            "image_stats": {"min": int(u8.min()), "max": int(u8.max()), "mean": float(u8.mean()),
                            "distinct_values": int(len(np.unique(u8)))},
            "image_rgb_sha256": hashlib.sha256(rgb).hexdigest(),
            "image_rgb_base64": base64.b64encode(rgb).decode("ascii"),
        })
        out["cases"].append(entry)
    blob = np.concatenate([p.reshape(-1) for p in noise_parts]).astype("<f4").tobytes()
    with open(os.path.join(out_dir, NOISE_FILE), "wb") as f:
        f.write(blob)
    out["noise_floats"] = offset
    out["noise_sha256"] = hashlib.sha256(blob).hexdigest()
    return out
