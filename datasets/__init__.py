"""typelens.datasets: training samples from corpora of Python code.

``walk_corpus`` finds projects, ``deduplicate`` removes exact and near-duplicate
files across the whole corpus, ``split_of`` assigns whole projects to
train/valid/test with a fixed seed, ``file_samples`` extracts PYInfer-style token
windows and CodeTIDAL5-style usage slices (with the same code inference uses), and
``build_dataset`` writes JSONL and Parquet plus a manifest.

Example::

    from typelens.datasets import build_dataset, stdlib_root
    build_dataset([stdlib_root()], Path("data/stdlib"))
"""

from .build import BuildOptions, build_dataset, split_of
from .corpus import Project, site_packages_root, stdlib_root, walk_corpus
from .dedup import deduplicate
from .samples import file_samples

__all__ = [
    "BuildOptions",
    "Project",
    "build_dataset",
    "deduplicate",
    "file_samples",
    "site_packages_root",
    "split_of",
    "stdlib_root",
    "walk_corpus",
]
