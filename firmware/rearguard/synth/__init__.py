"""The scene synthesizer: running-speed scenes rendered as session folders with ground truth.

``scene`` reads and checks a scene file; ``cutouts`` cuts real objects out of real photos;
``motion`` says where the runner and every object are at any time; ``camera`` projects;
``render`` draws the frames; ``ranger`` computes the HC-SR04 trace; ``truth`` writes what was
really there; ``session`` puts it all in a session folder.
"""

from rearguard.synth.scene import Scene, SceneError, catalogue, load_scene

__all__ = ["Scene", "SceneError", "catalogue", "load_scene"]
