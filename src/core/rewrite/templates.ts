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
