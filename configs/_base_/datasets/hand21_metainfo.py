# Copyright (c) bmc_mmpose authors. All rights reserved.
# MMPose metainfo of the internal 21-joint right hand (FreiHAND order), shared by every bmc_mmpose dataset.
# Same content as ``bmc_mmpose.datasets.hand_metainfo.HAND21_DATASET_INFO`` (a test checks that they agree);
# ``CombinedDataset`` reads it with ``metainfo=dict(from_file=...)``. ``swap`` is empty: no silent flips.
_names = ('wrist', 'thumb1', 'thumb2', 'thumb3', 'thumb4', 'index1', 'index2', 'index3', 'index4', 'middle1',
          'middle2', 'middle3', 'middle4', 'ring1', 'ring2', 'ring3', 'ring4', 'little1', 'little2', 'little3',
          'little4')
_parents = (-1, 0, 1, 2, 3, 0, 5, 6, 7, 0, 9, 10, 11, 0, 13, 14, 15, 0, 17, 18, 19)
_colours = dict(wrist=[255, 255, 255], thumb=[255, 128, 0], index=[255, 153, 255], middle=[102, 178, 255],
                ring=[255, 51, 51], little=[0, 255, 0])
dataset_info = dict(
    dataset_name='hand21',
    paper_info=dict(author='Spurr et al.', title='Weakly supervised 3D hand pose estimation via biomechanical '
                    'constraints', container='ECCV', year='2020'),
    keypoint_info={
        i: dict(name=_names[i], id=i, color=_colours[_names[i].rstrip('1234')], type='', swap='')
        for i in range(21)
    },
    skeleton_info={
        j - 1: dict(link=(_names[_parents[j]], _names[j]), id=j - 1, color=_colours[_names[j].rstrip('1234')])
        for j in range(1, 21)
    },
    joint_weights=[1.0] * 21,
    sigmas=[0.025] * 21)
