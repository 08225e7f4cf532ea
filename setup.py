from setuptools import find_packages, setup

setup(
    name='bmc_mmpose',
    version='0.1.0',
    description='Biomechanical constraints (Spurr et al., ECCV 2020) for 3D hand pose as an MMPose 1.x plugin',
    packages=find_packages(include=['bmc_mmpose', 'bmc_mmpose.*']),
    package_data={'bmc_mmpose': ['limits/*.json']},
    python_requires='>=3.8',
    install_requires=['torch', 'mmengine>=0.10', 'mmcv>=2.0', 'mmpose>=1.3', 'numpy', 'scipy', 'opencv-python'],
)
