// Python source of the Ghost modules that rewrites insert, written from the papers' description
// (GHOST.md): C-Ghost module per layer, G-Ghost stage per stage. No lambdas, so models pickle.

/** How the file spells torch.nn: `nn` (import torch.nn as nn / from torch import nn) or `torch.nn`. */
export type NnStyle = 'nn' | 'torch.nn';

export const GHOST_MODULE = `class GhostModule(nn.Module):
    """C-Ghost module (Han et al., CVPR 2020): a primary conv makes ceil(oup / ratio) intrinsic
    feature maps, a cheap depthwise conv makes the rest; the output keeps the first \`oup\` maps."""

    def __init__(self, inp, oup, kernel_size=1, ratio=2, dw_size=3, stride=1, relu=True, device=None, dtype=None):
        super().__init__()
        self.oup = oup
        intrinsic = (oup + ratio - 1) // ratio
        ghosts = intrinsic * (ratio - 1)
        dd = {"device": device, "dtype": dtype}
        self.primary = nn.Sequential(
            nn.Conv2d(inp, intrinsic, kernel_size, stride, kernel_size // 2, bias=False, **dd),
            nn.BatchNorm2d(intrinsic, **dd),
            nn.ReLU(inplace=True) if relu else nn.Identity(),
        )
        self.cheap = nn.Sequential(
            nn.Conv2d(intrinsic, ghosts, dw_size, 1, dw_size // 2, groups=intrinsic, bias=False, **dd),
            nn.BatchNorm2d(ghosts, **dd),
            nn.ReLU(inplace=True) if relu else nn.Identity(),
        )

    def forward(self, x):
        y = self.primary(x)
        return torch.cat([y, self.cheap(y)], dim=1)[:, :self.oup]
`;

export const GGHOST_STAGE = `class GGhostStage(nn.Module):
    """G-Ghost stage (Han et al., IJCV 2022): the first block runs as before; the middle blocks
    run on the first \`raw\` channels only; the other channels are ghosts of the first block's
    output made by a cheap 1x1 conv plus a mix of the intermediate features; the last block
    takes the concatenation."""

    def __init__(self, first, middle, last, channels, raw):
        super().__init__()
        cheap = channels - raw
        mixed = channels + raw * len(middle)
        self.raw = raw
        self.first = first
        self.middle = nn.ModuleList(middle)
        self.last = last
        self.mix = nn.Sequential(
            nn.AdaptiveAvgPool2d(1),
            nn.Conv2d(mixed, cheap, 1, bias=False),
            nn.BatchNorm2d(cheap),
            nn.ReLU(inplace=True),
            nn.Conv2d(cheap, cheap, 1, bias=False),
            nn.BatchNorm2d(cheap),
        )
        self.ghost = nn.Sequential(nn.Conv2d(cheap, cheap, 1, bias=False), nn.BatchNorm2d(cheap))
        self.act = nn.ReLU(inplace=True)

    @classmethod
    def from_stage(cls, stage, make_middle, channels, ratio=0.4, quantum=1):
        # Keeps the stage's own first and last blocks and rebuilds the middle ones on \`raw\`
        # channels with make_middle(raw, count); stages of fewer than 3 blocks stay as they are.
        # A stage is an nn.Sequential or a module whose children are its blocks, run in order.
        blocks = list(stage.children())
        if len(blocks) < 3:
            return stage
        raw = max(quantum, int((1 - ratio) * channels) // quantum * quantum)
        return cls(blocks[0], make_middle(raw, len(blocks) - 2), blocks[-1], channels, raw)

    @classmethod
    def from_units(cls, seq, start, stop, channels, ratio=0.4, quantum=1):
        # seq[start:stop], a run of conv (+ norm/activation) units, becomes one G-Ghost stage:
        # first and last units as they are, the middle ones rebuilt on \`raw\` channels. The
        # stage takes index \`start\` and nn.Identity the rest of the run, so later layers keep
        # their names and state_dict keys; a whole sequence becomes the stage. A run that is not
        # such units (another model built by the same code) stays as it was.
        units = []
        for m in list(seq)[start:stop]:
            if isinstance(m, nn.Conv2d) or len(list(m.children())) > 0 or len(units) == 0:
                units.append([m])
            else:
                units[-1].append(m)
        raw = max(quantum, int((1 - ratio) * channels) // quantum * quantum)
        if len(units) < 3 or raw >= channels:
            return seq
        middle = [cls.narrow(u[0] if len(u) == 1 else nn.Sequential(*u), channels, raw) for u in units[1:-1]]
        if None in middle:
            return seq
        first = units[0][0] if len(units[0]) == 1 else nn.Sequential(*units[0])
        last = units[-1][0] if len(units[-1]) == 1 else nn.Sequential(*units[-1])
        stage = cls(first, middle, last, channels, raw)
        if start == 0 and stop == len(seq):
            return stage
        seq[start] = stage
        for i in range(start + 1, stop):
            seq[i] = nn.Identity()
        return seq

    @staticmethod
    def narrow(unit, channels, raw):
        # A unit rebuilt on \`raw\` channels: its conv (channels -> channels) and BatchNorm new,
        # its parameter-free layers kept; None when it has anything else.
        if isinstance(unit, nn.Conv2d):
            if unit.in_channels != channels or unit.out_channels != channels:
                return None
            groups = 1 if unit.groups == 1 else raw // (channels // unit.groups)
            return nn.Conv2d(raw, raw, unit.kernel_size, unit.stride, unit.padding, unit.dilation,
                             groups, unit.bias is not None, unit.padding_mode)
        if isinstance(unit, nn.BatchNorm2d):
            return nn.BatchNorm2d(raw, unit.eps, unit.momentum, unit.affine, unit.track_running_stats)
        if type(unit) is nn.Sequential:
            parts = [GGhostStage.narrow(m, channels, raw) for m in unit]
            return None if None in parts else nn.Sequential(*parts)
        if len(list(unit.children())) == 0 and len(list(unit.parameters())) == 0:
            return unit
        return None

    def forward(self, x):
        x0 = self.first(x)
        y = x0[:, :self.raw]
        features = [x0]
        for block in self.middle:
            y = block(y)
            features.append(y)
        m = self.mix(torch.cat(features, dim=1))
        ghost = self.act(self.ghost(x0[:, self.raw:]) + m)
        return self.last(torch.cat([y, ghost], dim=1))
`;

/**
 * The class names a rewrite may insert: the plain one, and the one used when the file already
 * binds the plain name to a class of its own (timm's ghostnet.py has its own GhostModule).
 */
export const GHOST_CLASS_NAMES = {
  GhostModule: ['GhostModule', 'GhostLensModule'],
  GGhostStage: ['GGhostStage', 'GhostLensStage'],
} as const;
export type GhostClass = keyof typeof GHOST_CLASS_NAMES;
/** A module type made by a rewrite (either spelling). */
export const isGhostType = (type: string): boolean => Object.values(GHOST_CLASS_NAMES).some((ns) => (ns as readonly string[]).includes(type));
/** A phrase of each template's docstring: a class that has it is GhostLens's own, compatible one. */
export const TEMPLATE_MARK: Record<GhostClass, string> = {
  GhostModule: 'C-Ghost module (Han et al., CVPR 2020)',
  GGhostStage: 'G-Ghost stage (Han et al., IJCV 2022)',
};

/** The template of `cls` under the class name `name`. */
export function named(cls: GhostClass, name: string): string {
  const t = cls === 'GhostModule' ? GHOST_MODULE : GGHOST_STAGE;
  return name === cls ? t : t.replace(`class ${cls}(`, `class ${name}(`);
}

export function render(template: string, style: NnStyle): string {
  return style === 'nn' ? template : template.replace(/\bnn\./g, 'torch.nn.');
}
