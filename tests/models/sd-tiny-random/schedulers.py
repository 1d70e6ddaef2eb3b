"""diffusers' schedulers used by Stable Diffusion pipelines, written out in torch/numpy for the
numerical reference (reference.py). Independent of the C# code and of ONNX Runtime.

Each class follows the diffusers source named in its docstring, statement by statement, with the
same dtypes (torch float32 tensors where diffusers keeps tensors, numpy where diffusers uses numpy),
so its numbers are the ones diffusers computes. Only the code paths a Stable Diffusion pipeline uses
are kept (no karras/exponential/beta sigmas, no thresholding, no custom timesteps, no img2img
strength). Read against diffusers main at commit 58eb52c0803ea9af3abec60841c2a093bdf1f951
(src/diffusers/schedulers/). Where diffusers draws random noise (randn_tensor), these take the noise
as an argument instead, so the reference reads it from its noise file.
"""
import numpy as np
import torch


def make_betas(cfg):
    """__init__ of every scheduler below: 'linear' / 'scaled_linear' betas (float32 torch),
    alphas = 1 - betas, alphas_cumprod = cumprod(alphas)."""
    n = cfg["num_train_timesteps"]
    if cfg["beta_schedule"] == "linear":
        betas = torch.linspace(cfg["beta_start"], cfg["beta_end"], n, dtype=torch.float32)
    elif cfg["beta_schedule"] == "scaled_linear":
        betas = torch.linspace(cfg["beta_start"] ** 0.5, cfg["beta_end"] ** 0.5, n, dtype=torch.float32) ** 2
    else:
        raise NotImplementedError(cfg["beta_schedule"])
    alphas = 1.0 - betas
    return betas, torch.cumprod(alphas, dim=0)


# Each scheduler's own defaults (its __init__ signature), for from_config: keys the source config lacks
# take these; keys it has that the class does not know are ignored (ConfigMixin.from_config).
PNDM_DEFAULTS = dict(num_train_timesteps=1000, beta_start=0.0001, beta_end=0.02, beta_schedule="linear",
                     skip_prk_steps=False, set_alpha_to_one=False, prediction_type="epsilon",
                     timestep_spacing="leading", steps_offset=0)
EULER_DEFAULTS = dict(num_train_timesteps=1000, beta_start=0.0001, beta_end=0.02, beta_schedule="linear",
                      prediction_type="epsilon", interpolation_type="linear", timestep_spacing="linspace",
                      steps_offset=0, final_sigmas_type="zero")
EULER_A_DEFAULTS = dict(num_train_timesteps=1000, beta_start=0.0001, beta_end=0.02, beta_schedule="linear",
                        prediction_type="epsilon", timestep_spacing="linspace", steps_offset=0)
LCM_DEFAULTS = dict(num_train_timesteps=1000, beta_start=0.00085, beta_end=0.012, beta_schedule="scaled_linear",
                    original_inference_steps=50, clip_sample=False, clip_sample_range=1.0, set_alpha_to_one=True,
                    steps_offset=0, prediction_type="epsilon", timestep_spacing="leading", timestep_scaling=10.0)


def from_config(defaults, src, **overrides):
    cfg = dict(defaults)
    cfg.update({k: v for k, v in src.items() if k in defaults and v is not None})
    cfg.update(overrides)
    return cfg


class PNDM:
    """scheduling_pndm.py, PNDMScheduler: __init__, set_timesteps, step -> step_plms (skip_prk_steps
    only: SD 1.5's config), _get_prev_sample. init_noise_sigma 1, scale_model_input is identity."""
    name = "PNDMScheduler"

    def __init__(self, cfg):
        assert cfg["skip_prk_steps"], "only skip_prk_steps (SD 1.5) is written out"
        assert cfg["prediction_type"] == "epsilon"
        self.cfg = cfg
        self.betas, self.alphas_cumprod = make_betas(cfg)
        self.final_alpha_cumprod = torch.tensor(1.0) if cfg["set_alpha_to_one"] else self.alphas_cumprod[0]
        self.init_noise_sigma = 1.0

    def set_timesteps(self, n):
        c = self.cfg
        self.num_inference_steps = n
        if c["timestep_spacing"] == "linspace":
            ts = np.linspace(0, c["num_train_timesteps"] - 1, n).round().astype(np.int64)
        elif c["timestep_spacing"] == "leading":
            step_ratio = c["num_train_timesteps"] // n
            ts = (np.arange(0, n) * step_ratio).round()
            ts += c["steps_offset"]
        elif c["timestep_spacing"] == "trailing":
            step_ratio = c["num_train_timesteps"] / n
            ts = np.round(np.arange(c["num_train_timesteps"], 0, -step_ratio))[::-1].astype(np.int64)
            ts -= 1
        else:
            raise ValueError(c["timestep_spacing"])
        self._timesteps = ts
        # skip_prk_steps: no Runge-Kutta steps; the second-to-last timestep is repeated, so n steps
        # make n + 1 model calls (plms_timesteps = [ts[:-1], ts[-2:-1], ts[-1:]] reversed).
        plms = np.concatenate([ts[:-1], ts[-2:-1], ts[-1:]])[::-1].copy()
        self.timesteps = torch.from_numpy(plms.astype(np.int64))
        self.ets = []
        self.counter = 0
        self.cur_sample = None
        return self.timesteps

    def scale_model_input(self, sample, t):
        return sample

    def step(self, model_output, timestep, sample, noise=None):
        """step_plms. timestep is an int (an element of self.timesteps)."""
        c = self.cfg
        timestep = int(timestep)
        prev_timestep = timestep - c["num_train_timesteps"] // self.num_inference_steps
        if self.counter != 1:
            self.ets = self.ets[-3:]
            self.ets.append(model_output)
        else:  # the second call repeats the first timestep's partner: go from t + ratio to t
            prev_timestep = timestep
            timestep = timestep + c["num_train_timesteps"] // self.num_inference_steps
        if len(self.ets) == 1 and self.counter == 0:
            self.cur_sample = sample
        elif len(self.ets) == 1 and self.counter == 1:
            model_output = (model_output + self.ets[-1]) / 2
            sample = self.cur_sample
            self.cur_sample = None
        elif len(self.ets) == 2:
            model_output = (3 * self.ets[-1] - self.ets[-2]) / 2
        elif len(self.ets) == 3:
            model_output = (23 * self.ets[-1] - 16 * self.ets[-2] + 5 * self.ets[-3]) / 12
        else:
            model_output = (1 / 24) * (55 * self.ets[-1] - 59 * self.ets[-2] + 37 * self.ets[-3] - 9 * self.ets[-4])
        prev = self._get_prev_sample(sample, timestep, prev_timestep, model_output)
        self.counter += 1
        return prev

    def _get_prev_sample(self, sample, timestep, prev_timestep, model_output):
        """_get_prev_sample: formula (9) of the PNDM paper (epsilon prediction)."""
        alpha_prod_t = self.alphas_cumprod[timestep]
        alpha_prod_t_prev = self.alphas_cumprod[prev_timestep] if prev_timestep >= 0 else self.final_alpha_cumprod
        beta_prod_t = 1 - alpha_prod_t
        beta_prod_t_prev = 1 - alpha_prod_t_prev
        sample_coeff = (alpha_prod_t_prev / alpha_prod_t) ** 0.5
        model_output_denom_coeff = alpha_prod_t * beta_prod_t_prev ** 0.5 + (
            alpha_prod_t * beta_prod_t * alpha_prod_t_prev) ** 0.5
        return sample_coeff * sample - (alpha_prod_t_prev - alpha_prod_t) * model_output / model_output_denom_coeff


def _spaced_timesteps_f32(c, n):
    """set_timesteps of EulerDiscreteScheduler / EulerAncestralDiscreteScheduler: the timesteps as
    float32 numpy, descending, for the three timestep_spacing values."""
    if c["timestep_spacing"] == "linspace":
        ts = np.linspace(0, c["num_train_timesteps"] - 1, n, dtype=np.float32)[::-1].copy()
    elif c["timestep_spacing"] == "leading":
        step_ratio = c["num_train_timesteps"] // n
        ts = (np.arange(0, n) * step_ratio).round()[::-1].copy().astype(np.float32)
        ts += c["steps_offset"]
    elif c["timestep_spacing"] == "trailing":
        step_ratio = c["num_train_timesteps"] / n
        ts = (np.arange(c["num_train_timesteps"], 0, -step_ratio)).round().copy().astype(np.float32)
        ts -= 1
    else:
        raise ValueError(c["timestep_spacing"])
    return ts


class EulerDiscrete:
    """scheduling_euler_discrete.py, EulerDiscreteScheduler: __init__ (sigmas of all 1000 train steps,
    for init_noise_sigma before set_timesteps), init_noise_sigma, scale_model_input, set_timesteps
    (interpolation_type linear, final_sigmas_type zero: a 0 appended), step (s_churn 0: gamma 0,
    sigma_hat = sigma, no noise)."""
    name = "EulerDiscreteScheduler"

    def __init__(self, cfg):
        assert cfg["prediction_type"] == "epsilon" and cfg["interpolation_type"] == "linear"
        assert cfg["final_sigmas_type"] == "zero"
        self.cfg = cfg
        self.betas, self.alphas_cumprod = make_betas(cfg)

    @property
    def init_noise_sigma(self):
        max_sigma = self.sigmas.max()
        if self.cfg["timestep_spacing"] in ["linspace", "trailing"]:
            return max_sigma
        return (max_sigma ** 2 + 1) ** 0.5

    def set_timesteps(self, n):
        ts = _spaced_timesteps_f32(self.cfg, n)
        sigmas = np.array(((1 - self.alphas_cumprod) / self.alphas_cumprod) ** 0.5)  # float32
        sigmas = np.interp(ts, np.arange(0, len(sigmas)), sigmas)  # float64
        sigmas = np.concatenate([sigmas, [0]]).astype(np.float32)
        self.sigmas = torch.from_numpy(sigmas).to(dtype=torch.float32)
        self.timesteps = torch.from_numpy(ts.astype(np.float32))
        self.step_index = 0  # _init_step_index: index of the first timestep, 0 in a plain text-to-image run
        return self.timesteps

    def scale_model_input(self, sample, t):
        sigma = self.sigmas[self.step_index]
        return sample / ((sigma ** 2 + 1) ** 0.5)

    def step(self, model_output, timestep, sample, noise=None):
        sample = sample.to(torch.float32)
        sigma = self.sigmas[self.step_index]
        sigma_hat = sigma * (0.0 + 1)  # gamma = 0 (s_churn 0)
        pred_original_sample = sample - sigma_hat * model_output
        derivative = (sample - pred_original_sample) / sigma_hat
        dt = self.sigmas[self.step_index + 1] - sigma_hat
        prev_sample = sample + derivative * dt
        self.step_index += 1
        return prev_sample


class EulerAncestral:
    """scheduling_euler_ancestral_discrete.py, EulerAncestralDiscreteScheduler: set_timesteps (same
    timesteps and sigmas as EulerDiscrete's, 0 appended), init_noise_sigma, scale_model_input, step:
    sigma_up = sqrt(sigma_to^2 (sigma_from^2 - sigma_to^2) / sigma_from^2), sigma_down =
    sqrt(sigma_to^2 - sigma_up^2), an Euler step to sigma_down, then + noise * sigma_up. diffusers
    draws that noise at every step (the last one too, where sigma_up is 0); here it is passed in."""
    name = "EulerAncestralDiscreteScheduler"

    def __init__(self, cfg):
        assert cfg["prediction_type"] == "epsilon"
        self.cfg = cfg
        self.betas, self.alphas_cumprod = make_betas(cfg)

    @property
    def init_noise_sigma(self):
        if self.cfg["timestep_spacing"] in ["linspace", "trailing"]:
            return self.sigmas.max()
        return (self.sigmas.max() ** 2 + 1) ** 0.5

    def set_timesteps(self, n):
        ts = _spaced_timesteps_f32(self.cfg, n)
        sigmas = np.array(((1 - self.alphas_cumprod) / self.alphas_cumprod) ** 0.5)
        sigmas = np.interp(ts, np.arange(0, len(sigmas)), sigmas)
        sigmas = np.concatenate([sigmas, [0.0]]).astype(np.float32)
        self.sigmas = torch.from_numpy(sigmas)
        self.timesteps = torch.from_numpy(ts)
        self.step_index = 0
        return self.timesteps

    def scale_model_input(self, sample, t):
        sigma = self.sigmas[self.step_index]
        return sample / ((sigma ** 2 + 1) ** 0.5)

    def step(self, model_output, timestep, sample, noise):
        sigma = self.sigmas[self.step_index]
        sample = sample.to(torch.float32)
        pred_original_sample = sample - sigma * model_output
        sigma_from = self.sigmas[self.step_index]
        sigma_to = self.sigmas[self.step_index + 1]
        sigma_up = (sigma_to ** 2 * (sigma_from ** 2 - sigma_to ** 2) / sigma_from ** 2) ** 0.5
        sigma_down = (sigma_to ** 2 - sigma_up ** 2) ** 0.5
        derivative = (sample - pred_original_sample) / sigma
        dt = sigma_down - sigma
        prev_sample = sample + derivative * dt
        prev_sample = prev_sample + noise * sigma_up
        self.step_index += 1
        return prev_sample


class LCM:
    """scheduling_lcm.py, LCMScheduler: set_timesteps (strength 1: lcm_origin_timesteps =
    [1..original_inference_steps] * k - 1 with k = num_train_timesteps // original_inference_steps,
    reversed; skipping_step; inference_indices = floor(linspace(0, len, n, endpoint=False))),
    get_scalings_for_boundary_condition_discrete (sigma_data 0.5, timestep_scaling), step (epsilon:
    x0 = (x - sqrt(1-a_t) eps) / sqrt(a_t); denoised = c_out x0 + c_skip x; all but the last step add
    noise: prev = sqrt(a_prev) denoised + sqrt(1-a_prev) noise). init_noise_sigma 1, scale_model_input
    is identity. step returns (prev_sample, denoised); the LCM pipeline decodes the last denoised,
    which equals the last prev_sample."""
    name = "LCMScheduler"

    def __init__(self, cfg):
        assert cfg["prediction_type"] == "epsilon"
        self.cfg = cfg
        self.betas, self.alphas_cumprod = make_betas(cfg)
        self.final_alpha_cumprod = torch.tensor(1.0) if cfg["set_alpha_to_one"] else self.alphas_cumprod[0]
        self.init_noise_sigma = 1.0

    def set_timesteps(self, n, original_inference_steps=None):
        c = self.cfg
        original_steps = original_inference_steps if original_inference_steps is not None else c["original_inference_steps"]
        k = c["num_train_timesteps"] // original_steps
        lcm_origin_timesteps = np.asarray(list(range(1, int(original_steps * 1.0) + 1))) * k - 1
        skipping_step = len(lcm_origin_timesteps) // n
        assert skipping_step >= 1 and n <= original_steps
        self.num_inference_steps = n
        lcm_origin_timesteps = lcm_origin_timesteps[::-1].copy()
        inference_indices = np.linspace(0, len(lcm_origin_timesteps), num=n, endpoint=False)
        inference_indices = np.floor(inference_indices).astype(np.int64)
        self.timesteps = torch.from_numpy(lcm_origin_timesteps[inference_indices]).to(dtype=torch.long)
        self.step_index = 0
        return self.timesteps

    def scale_model_input(self, sample, t):
        return sample

    def boundary_scalings(self, timestep):
        """get_scalings_for_boundary_condition_discrete (timestep: the 0-d long tensor the pipeline passes)."""
        sigma_data = 0.5
        scaled_timestep = timestep * self.cfg["timestep_scaling"]
        c_skip = sigma_data ** 2 / (scaled_timestep ** 2 + sigma_data ** 2)
        c_out = scaled_timestep / (scaled_timestep ** 2 + sigma_data ** 2) ** 0.5
        return c_skip, c_out

    def step(self, model_output, timestep, sample, noise):
        prev_step_index = self.step_index + 1
        prev_timestep = self.timesteps[prev_step_index] if prev_step_index < len(self.timesteps) else timestep
        alpha_prod_t = self.alphas_cumprod[timestep]
        alpha_prod_t_prev = self.alphas_cumprod[prev_timestep] if prev_timestep >= 0 else self.final_alpha_cumprod
        beta_prod_t = 1 - alpha_prod_t
        beta_prod_t_prev = 1 - alpha_prod_t_prev
        c_skip, c_out = self.boundary_scalings(timestep)
        predicted_original_sample = (sample - beta_prod_t.sqrt() * model_output) / alpha_prod_t.sqrt()
        if self.cfg["clip_sample"]:
            predicted_original_sample = predicted_original_sample.clamp(
                -self.cfg["clip_sample_range"], self.cfg["clip_sample_range"])
        denoised = c_out * predicted_original_sample + c_skip * sample
        if self.step_index != self.num_inference_steps - 1:
            prev_sample = alpha_prod_t_prev.sqrt() * denoised + beta_prod_t_prev.sqrt() * noise
        else:
            prev_sample = denoised
        self.step_index += 1
        self.denoised = denoised
        return prev_sample


def make(kind, src_cfg, spacing=None):
    """The scheduler a pipeline gets from `Kind.from_config(pipe.scheduler.config, **overrides)`."""
    over = {"timestep_spacing": spacing} if spacing else {}
    if kind == "PNDM":
        return PNDM(from_config(PNDM_DEFAULTS, src_cfg, **over))
    if kind == "EulerDiscrete":
        return EulerDiscrete(from_config(EULER_DEFAULTS, src_cfg, **over))
    if kind == "EulerAncestral":
        return EulerAncestral(from_config(EULER_A_DEFAULTS, src_cfg, **over))
    if kind == "LCM":
        return LCM(from_config(LCM_DEFAULTS, src_cfg, **over))
    raise ValueError(kind)


def needs_noise(s):
    """Whether step() consumes a fresh noise array (EulerAncestral every step, LCM all but the last)."""
    return isinstance(s, (EulerAncestral, LCM))
