"""The learned summary's regression, kept in a plain-array file beside the calibration database so that a
resumed run goes on with the regression its first generation used. Refitting on resume used the last
population instead: at a small population (fewer particles than the regression's features) that fit is
exact and meaningless, and pyabc then stopped on a population weight of NaN. The file holds numbers only
(numpy's .npz, read with allow_pickle=False): nothing in it is executed. Its own module because it
subclasses pyabc's predictor, which loads pyabc and scikit-learn: only a calibration imports it."""

from pathlib import Path

import numpy as np
import pyabc

from bridges.model.errors import InputError


class StoredPredictor(pyabc.LinearPredictor):
    """pyabc's LinearPredictor (semi-automatic ABC's regression) that writes its fit to `path` when
    fitted, and can be read back fitted from such a file."""

    FIELDS = ("use_ixs", "mean_x", "std_x", "mean_y", "std_y", "coef", "intercept")

    def __init__(self, path: Path | None = None):
        super().__init__()
        self.path, self.fitted = path, False

    def fit(self, x, y, w=None):
        super().fit(x, y, w)
        self.fitted = True
        if self.path is not None:
            self.save(self.path)

    def save(self, path: Path):
        arrays = dict(use_ixs=self.use_ixs, mean_x=self.mean_x, std_x=self.std_x, mean_y=self.mean_y,
                      std_y=self.std_y, coef=self.predictor.coef_, intercept=self.predictor.intercept_)
        with open(path, "wb") as file:
            np.savez(file, **arrays)

    @classmethod
    def load(cls, path: Path) -> "StoredPredictor":
        predictor = cls(path)
        try:
            arrays = np.load(path, allow_pickle=False)
        except (OSError, ValueError) as error:
            raise InputError(f"calibration.resume: {path} is not a stored learned summary ({error})") from None
        with arrays:
            missing = [name for name in cls.FIELDS if name not in arrays]
            if missing:
                raise InputError(f"calibration.resume: {path} lacks {', '.join(missing)} (not a stored learned summary)")
            predictor.use_ixs, predictor.mean_x, predictor.std_x = arrays["use_ixs"], arrays["mean_x"], arrays["std_x"]
            predictor.mean_y, predictor.std_y = arrays["mean_y"], arrays["std_y"]
            predictor.predictor.coef_, predictor.predictor.intercept_ = arrays["coef"], arrays["intercept"]
        predictor.predictor.n_features_in_ = predictor.predictor.coef_.shape[-1]
        predictor.fitted = True
        return predictor
