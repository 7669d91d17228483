"""Distil a sentence-transformers model with model2vec (rule distill_model2vec).

Runs in the distillation environment (resources/envs/distill, from workflow/envs/distill.txt),
not in the main one: model2vec's ``distill`` needs transformers<5.4. So this is a command-line
script that uses only that environment's packages, not a Snakemake script.

    python distill_model2vec.py TEACHER_FOLDER OUT_FOLDER --pca-dims 256 --sif-coefficient 1e-5
"""

import argparse
import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")  # the teacher is a local folder: never the hub

import torch
from model2vec.distill import distill


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("teacher", help="folder of the sentence-transformers model")
    parser.add_argument("out", help="folder the static model is saved to")
    parser.add_argument("--pca-dims", type=int, default=256)
    parser.add_argument("--sif-coefficient", type=float, default=1e-4)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    model = distill(
        args.teacher,
        device="cpu",
        pca_dims=args.pca_dims,
        sif_coefficient=args.sif_coefficient,
    )
    model.save_pretrained(args.out)


if __name__ == "__main__":
    main()
