"""Render ``standing.png``: a whole-body person standing in an A-pose, facing the camera.

The body is the ``anny`` parametric body model (Apache-2.0 code; its MakeHuman body assets are
CC0 and ship inside the wheel, nothing is downloaded at run time), posed here with the left
shoulder raised by a clavicle rotation and rendered by the small z-buffer rasteriser below
(Gouraud-shaded Lambert light, perspective camera at chest height, 2x supersampled).

It needs PyTorch and anny, which posture itself does not use; keep them in their own venv::

    python3 -m venv /tmp/venv-render && . /tmp/venv-render/bin/activate
    pip install torch anny pillow
    python sample_images/make_standing_sample.py            # writes sample_images/standing.png

It prints the true tilts of the rendered joint centres (upper-arm heads, thigh heads), in the
image, in posture's convention (degrees, positive = the person's left side higher).
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path

import numpy as np

WIDTH, HEIGHT, SUPERSAMPLE = 600, 1000, 2
SHOULDER_RAISE_DEG = 5.0
"""The left clavicle's rotation about the body's front-back axis (the left shoulder rises)."""
ARMS_DOWN_DEG = 12.0
"""Both upper arms turned down from the model's rest A-pose, towards the sides."""
CAMERA_DISTANCE_M = 3.2
FOCAL = 1.66
"""Focal length in image heights."""
BODY_MIDDLE_M = -0.06
"""Height centred in the image, in the model's frame (z up, feet at -0.87 m, top of the head at 0.76 m)."""

SKIN = (0.87, 0.72, 0.62)
TOP = (0.30, 0.45, 0.65)
SHORTS = (0.28, 0.28, 0.32)
CLOTHES = (
    ("spine01", "spine02", "spine03", "spine04"),  # the top
    ("root", "pelvis.L", "pelvis.R", "spine05", "upperleg01.L", "upperleg01.R"),  # the shorts
)
WALL_TOP, WALL_BOTTOM, FLOOR = (0.93, 0.93, 0.94), (0.80, 0.80, 0.82), (0.66, 0.63, 0.60)


def _rotation(axis: np.ndarray, deg: float) -> np.ndarray:
    """4x4 rotation by ``deg`` about the unit ``axis`` (right-handed)."""
    a = math.radians(deg)
    x, y, z = axis
    k = np.array([[0, -z, y], [z, 0, -x], [-y, x, 0]])
    r = np.eye(4)
    r[:3, :3] = np.eye(3) + math.sin(a) * k + (1 - math.cos(a)) * k @ k
    return r


def _about(point: np.ndarray, rot: np.ndarray) -> np.ndarray:
    """``rot`` about ``point`` instead of the origin."""
    t, back = np.eye(4), np.eye(4)
    t[:3, 3], back[:3, 3] = point, -point
    return t @ rot @ back


def posed_body() -> tuple[np.ndarray, np.ndarray, np.ndarray, dict[str, np.ndarray]]:
    """Vertices (V, 3), faces (F, 3), each vertex's skinning weight on the bones of each of
    ``CLOTHES`` (2, V), and the posed
    world positions of the bones' heads by name (metres, z up, x the person's left)."""
    import anny
    import torch

    model = anny.Anny().to(dtype=torch.float64)
    labels = list(model.bone_labels)
    parents = [int(p) for p in model.bone_parents]
    identity = torch.eye(4, dtype=torch.float64)[None, None].repeat(1, model.bone_count, 1, 1)
    phenotype = {k: 0.5 for k in model.phenotype_labels}
    rest = model(pose_parameters=identity, phenotype_kwargs=phenotype)
    poses = rest["bone_poses"][0].numpy().copy()  # (B, 4, 4) world transforms

    def subtree(name: str) -> list[int]:
        root = labels.index(name)
        out = [root]
        for i in range(len(labels)):  # parents come before children
            if parents[i] in out and i not in out:
                out.append(i)
        return out

    def turn(name: str, axis: tuple[float, float, float], deg: float) -> None:
        bones = subtree(name)
        head = poses[labels.index(name)][:3, 3].copy()
        m = _about(head, _rotation(np.array(axis, float), deg))
        for b in bones:
            poses[b] = m @ poses[b]

    # About +y (pointing into the scene): a positive angle lowers +x, the person's left.
    turn("clavicle.L", (0.0, 1.0, 0.0), -SHOULDER_RAISE_DEG)
    turn("upperarm01.L", (0.0, 1.0, 0.0), SHOULDER_RAISE_DEG + ARMS_DOWN_DEG)  # the arm keeps its direction
    turn("upperarm01.R", (0.0, 1.0, 0.0), -ARMS_DOWN_DEG)
    out = model(
        pose_parameters=torch.from_numpy(poses)[None],
        phenotype_kwargs=phenotype,
        pose_parameterization="world",
    )
    vertices = out["vertices"][0].numpy()
    heads = {n: out["bone_poses"][0, i, :3, 3].numpy() for i, n in enumerate(labels)}
    weights = model.vertex_bone_weights.numpy()
    bones = np.array(labels)[model.vertex_bone_indices.numpy()]
    cloth = np.stack([np.sum(weights * np.isin(bones, group), axis=1) for group in CLOTHES])
    return vertices, model.faces.numpy(), cloth, heads


def _project(points: np.ndarray, scale: int) -> np.ndarray:
    """Pixel x, pixel y (down) and depth of world points seen from the front: a camera at
    chest height whose frame is shifted down (as if cropped) to centre the body."""
    depth = points[..., 1] + CAMERA_DISTANCE_M
    f = FOCAL * HEIGHT * scale  # pixels: a 1.63 m body fills about 88% of the height
    x = WIDTH * scale / 2 + f * points[..., 0] / depth
    y = HEIGHT * scale / 2 - f * (points[..., 2] - BODY_MIDDLE_M) / depth
    return np.stack([x, y, depth], axis=-1)


def _albedo(weights: np.ndarray, vertices: np.ndarray) -> np.ndarray:
    """Skin, a top over the trunk and shorts over the pelvis and upper thighs, by skinning weight."""

    def share(cloth: np.ndarray) -> np.ndarray:
        return np.clip((cloth - 0.45) / 0.12, 0.0, 1.0)[:, None]

    top = share(weights[0])
    shorts = share(weights[1]) * np.clip((vertices[:, 2] + 0.30) / 0.02, 0.0, 1.0)[:, None]
    return np.array(SKIN) * (1 - top - shorts) + np.array(TOP) * top + np.array(SHORTS) * shorts


def _shade(vertices: np.ndarray, faces: np.ndarray, albedo: np.ndarray) -> np.ndarray:
    """Per-vertex colour: ambient plus Lambert light from the front, a little above."""
    tri = vertices[faces]
    fn = np.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0])
    normals = np.zeros_like(vertices)
    for k in range(3):
        np.add.at(normals, faces[:, k], fn)
    normals /= np.linalg.norm(normals, axis=1, keepdims=True) + 1e-12
    if np.mean(np.sum(normals * (vertices - vertices.mean(0)), axis=1)) < 0:
        normals = -normals
    light = np.array([0.0, -1.0, 0.45])
    light /= np.linalg.norm(light)
    lambert = np.clip(normals @ light, 0.0, 1.0)
    return albedo * (0.38 + 0.62 * lambert)[:, None]


def _background(scale: int, floor_row: float) -> np.ndarray:
    h, w = HEIGHT * scale, WIDTH * scale
    rows = np.arange(h)[:, None, None] / h
    wall = np.array(WALL_TOP) * (1 - rows) + np.array(WALL_BOTTOM) * rows
    img = np.broadcast_to(wall, (h, w, 3)).copy()
    img[int(floor_row) :] = FLOOR
    return img


def rasterise(vertices: np.ndarray, faces: np.ndarray, colours: np.ndarray, scale: int) -> np.ndarray:
    """An (H, W, 3) float image of the mesh over the background: nearest triangle per pixel,
    colours interpolated over each triangle."""
    p = _project(vertices, scale)
    feet = vertices[:, 2].min()
    floor_row = _project(np.array([0.0, 1.5, feet]), scale)[1]
    img = _background(scale, floor_row)
    h, w = img.shape[:2]
    zbuf = np.full((h, w), np.inf)
    for a, b, c in faces:
        (xa, ya, za), (xb, yb, zb), (xc, yc, zc) = p[a], p[b], p[c]
        x0, x1 = max(int(min(xa, xb, xc)), 0), min(int(max(xa, xb, xc)) + 1, w - 1)
        y0, y1 = max(int(min(ya, yb, yc)), 0), min(int(max(ya, yb, yc)) + 1, h - 1)
        if x0 > x1 or y0 > y1:
            continue
        area = (xb - xa) * (yc - ya) - (xc - xa) * (yb - ya)
        if abs(area) < 1e-9:
            continue
        xs, ys = np.meshgrid(np.arange(x0, x1 + 1) + 0.5, np.arange(y0, y1 + 1) + 0.5)
        wa = ((xb - xs) * (yc - ys) - (xc - xs) * (yb - ys)) / area
        wb = ((xc - xs) * (ya - ys) - (xa - xs) * (yc - ys)) / area
        wc = 1.0 - wa - wb
        inside = (wa >= 0) & (wb >= 0) & (wc >= 0)
        if not inside.any():
            continue
        z = wa * za + wb * zb + wc * zc
        region = zbuf[y0 : y1 + 1, x0 : x1 + 1]
        win = inside & (z < region)
        if not win.any():
            continue
        region[win] = z[win]
        col = wa[..., None] * colours[a] + wb[..., None] * colours[b] + wc[..., None] * colours[c]
        img[y0 : y1 + 1, x0 : x1 + 1][win] = col[win]
    return img


def true_tilts(heads: dict[str, np.ndarray]) -> dict[str, float]:
    """Image tilts of the joint centres, degrees, positive = the person's left side higher."""
    out = {}
    for name, (left, right) in {
        "shoulder_tilt_deg": ("upperarm01.L", "upperarm01.R"),
        "pelvic_tilt_deg": ("upperleg01.L", "upperleg01.R"),
    }.items():
        (xl, yl, _), (xr, yr, _) = _project(heads[left], 1), _project(heads[right], 1)
        out[name] = math.degrees(math.atan2(yr - yl, xl - xr))
    return out


def main() -> None:
    from PIL import Image

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-o", "--output", default=str(Path(__file__).with_name("standing.png")))
    args = parser.parse_args()
    vertices, faces, cloth, heads = posed_body()
    colours = _shade(vertices, faces, _albedo(cloth, vertices))
    img = rasterise(vertices, faces, colours, SUPERSAMPLE)
    img = img.reshape(HEIGHT, SUPERSAMPLE, WIDTH, SUPERSAMPLE, 3).mean(axis=(1, 3))
    Image.fromarray(np.clip(img * 255 + 0.5, 0, 255).astype(np.uint8)).save(args.output, optimize=True)
    tilts = ", ".join(f"{k} {v:+.2f}" for k, v in true_tilts(heads).items())
    print(f"{args.output}: true joint-centre tilts in the image: {tilts}")


if __name__ == "__main__":
    main()
