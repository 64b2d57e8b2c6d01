"""Every DVC stage's command: `python pipelines/stage.py <stage> --case <case>` (see dvc.yaml)."""

from seqcase.stages.entry import main

if __name__ == "__main__":
    raise SystemExit(main())
