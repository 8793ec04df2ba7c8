"""Concentration trajectories of the learning network, for the report.

The chemistry backend of :class:`~crnlearn.CRNClassifier` integrates the
learning network sample after sample but keeps only the state between
samples. To draw what happens *during* a presentation, this module learns a
few images with that backend, then replays the same presentations on the
classifier's own network (:meth:`~crnlearn.CRNClassifier.to_network`) with
the generic engine :func:`crnlearn.simulate`: inputs and teachers clamped at
each image's values for the presentation time, weights and outputs carried
over. The replay starts from the weights the backend started from, and the
gap between its final weights and the backend's is reported with the
trajectories (a check that the drawn chemistry is the one that learned).
"""

import logging

import numpy as np

__all__ = ["learning_trajectories", "POINTS_PER_IMAGE"]

logger = logging.getLogger(__name__)

#: Time points reported per presentation: enough to resolve the read-out,
#: which settles within a few 1/k_y of the start.
POINTS_PER_IMAGE = 81
#: Weight species drawn per shown class: the ones that moved most.
WEIGHTS_SHOWN = 3
#: Classes whose weights are drawn: those of the first images.
CLASSES_SHOWN = 2


def _positions(values, classes):
    """Index of each label in the sorted ``classes``."""
    index = np.minimum(np.searchsorted(classes, values), len(classes) - 1)
    if np.any(classes[index] != values):
        raise ValueError("the images hold a class the classifier does not know.")
    return index


def learning_trajectories(
    data, *, n_reactions=6, n_images=4, random_state=None, params=None
):
    """Learn a few images with the chemistry and record every concentration.

    Parameters
    ----------
    data : DatasetSplit
        The first ``n_images`` training images are presented.
    n_reactions : int, default=6
        K, small so that the drawn species can be told apart.
    n_images : int, default=4
        Images presented.
    random_state : int, optional
        Passed to the classifier.
    params : mapping, optional
        Other :class:`~crnlearn.CRNClassifier` parameters (``backend`` is set
        to ``"chemistry"`` here).

    Returns
    -------
    dict
        JSON-serialisable: ``t``, ``species`` (the drawn species),
        ``concentrations`` (one row per time), ``boundaries`` (start time of
        each presentation), ``labels`` (class of each image), ``groups``
        (``weights`` and ``outputs`` names), ``backend_gap`` (largest
        difference between the replayed and the backend's final weights)
        and a ``caption``.
    """
    from .. import CRNClassifier
    from ..crn import simulate
    from ..learn.complexes import input_concentrations
    from ..learn.network import weight_species_name

    params = {k: v for k, v in (params or {}).items() if k != "backend"}
    X, y = data.X_train[:n_images], data.y_train[:n_images]
    classes = np.unique(np.concatenate([data.y_train, data.y_test]))
    clf = CRNClassifier(
        n_reactions=n_reactions, backend="chemistry", random_state=random_state,
        **params,
    )
    clf.partial_fit(X, y, classes=classes)

    network = clf.to_network()
    names = list(network.species)
    tau = float(clf.presentation_time)
    targets = _positions(np.asarray(y), np.asarray(clf.classes_))
    inputs = input_concentrations(
        clf.encoder_.transform(X), getattr(clf, "dual_rail", False)
    )
    input_index = [names.index(s) for s in clf.input_species_]
    n_classes = len(clf.classes_)
    weight_index = np.array(
        [[names.index(weight_species_name(c, s)) for s in clf.complexes_]
         for c in range(n_classes)]
    )
    teacher = [names.index(f"L{c}") for c in range(n_classes)]
    anti_teacher = [names.index(f"Lbar{c}") for c in range(n_classes)]

    state = network.initial_concentrations.copy()
    state[weight_index] = np.asarray(clf.weight_history_)[0]
    times, rows = [], []
    for m, target in enumerate(targets):
        state[input_index] = inputs[m]
        state[teacher] = 0.0
        state[teacher[target]] = 1.0
        state[anti_teacher] = 1.0
        state[anti_teacher[target]] = 0.0
        result = simulate(
            network, tau, initial=state, n_points=POINTS_PER_IMAGE, method="BDF"
        )
        if not result.success:
            raise RuntimeError(f"replaying image {m} failed: {result.message}")
        times.append(result.t + m * tau)
        rows.append(result.concentrations)
        state = result.final.copy()
    t = np.concatenate(times)
    values = np.vstack(rows)
    gap = float(np.max(np.abs(state[weight_index] - np.asarray(clf.weights_))))
    logger.info("trajectories: replay differs from the backend by %.3g", gap)

    # Draw the classes of the first images, and their weights that moved most.
    shown_classes = list(dict.fromkeys(targets.tolist()))[:CLASSES_SHOWN]
    start = np.asarray(clf.weight_history_)[0]
    weight_names = []
    for c in shown_classes:
        moved = np.abs(state[weight_index[c]] - start[c])
        for k in np.argsort(-moved)[:WEIGHTS_SHOWN]:
            weight_names.append(names[weight_index[c, k]])
    output_names = [f"Y{c}" for c in dict.fromkeys(targets.tolist())]
    drawn = weight_names + output_names
    columns = [names.index(s) for s in drawn]
    labels = np.asarray(clf.classes_)[targets].tolist()
    shown_labels = np.asarray(clf.classes_)[shown_classes].tolist()
    caption = (
        f"Concentrations while the chemistry learns {n_images} images (classes "
        f"{labels}), K = {n_reactions}, presentation time {tau:g}, learning rate "
        f"{clf.learning_rate_:g}: weight species "
        f"W<class index>_<input indices> (an index i >= {clf.n_features_in_} is the "
        f"complementary input 1 - x_(i - {clf.n_features_in_})) of classes "
        f"{shown_labels} (left; the "
        f"{WEIGHTS_SHOWN} that moved most per class) and outputs "
        f"Y<class> (right). Grey lines: a new image. Simulated with crnlearn.simulate "
        f"on the classifier's network; the final weights differ from the chemistry "
        f"backend's by at most {gap:.2g}."
    )
    return {
        "t": t.tolist(),
        "species": drawn,
        "concentrations": values[:, columns].tolist(),
        "boundaries": [m * tau for m in range(n_images)],
        "labels": labels,
        "groups": {"weights": weight_names, "outputs": output_names},
        "backend_gap": gap,
        "caption": caption,
    }
