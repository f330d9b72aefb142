"""The examples written with the Python builder, to check that builder and parser make equal networks."""
from tikznn import Network


def lenet() -> Network:
    return (Network().titled("LeNet-5")
            .input(1, 32, 32, label="Input")
            .conv(6, k=5, act="relu", label="C1")
            .pool("max", 2, label="S2")
            .conv(16, k=5, act="relu", label="C3")
            .pool("max", 2, label="S4")
            .flatten()
            .dense(120, "relu", label="F5")
            .dense(84, "relu", label="F6")
            .dense(10, "softmax", label="Output"))


def fcn8() -> Network:
    net = Network().titled("FCN-8s").input(3, 224, 224, label="Image", image="images/street.png")
    stages = [(64, 2, "conv1", ""), (128, 2, "conv2", ""), (256, 3, "conv3", "pool3"), (512, 3, "conv4", "pool4"),
              (512, 3, "conv5", "")]
    for channels, count, label, pool_name in stages:
        net = net.conv(channels, k=3, p=1, act="relu", label=label, times=count).pool("max", 2, name=pool_name)
    return (net.conv(4096, k=7, p=3, act="relu", label="fc6")
            .conv(4096, k=1, act="relu", label="fc7")
            .conv(21, k=1, label="score")
            .deconv(21, k=4, s=2, p=1, label="up 2×", name="up2")
            .conv(21, k=1, label="score pool4", name="s4", from_="pool4")
            .add("up2", "s4")
            .deconv(21, k=4, s=2, p=1, label="up 2×", name="up4")
            .conv(21, k=1, label="score pool3", name="s3", from_="pool3")
            .add("up4", "s3")
            .deconv(21, k=16, s=8, p=4, label="up 8×")
            .act("softmax", label="Output", image="images/street_labels.png"))


def resnet18() -> Network:
    net = (Network().titled("ResNet-18").input(3, 224, 224, label="Image")
           .conv(64, k=7, s=2, p=3, bn=True, act="relu", label="conv1")
           .pool("max", 3, s=2, p=1, label="max pool", name="stem"))
    previous, index = "stem", 1
    for stage, channels in enumerate((64, 128, 256, 512)):
        net = net.stage(f"conv{stage + 2}_x")
        for block in range(2):
            down = stage > 0 and block == 0
            net = net.conv(channels, k=3, s=2 if down else 1, p=1, bn=True, act="relu")
            if down:
                main, proj = f"b{stage}", f"p{stage + 2}"
                net = (net.conv(channels, k=3, p=1, bn=True, name=main)
                       .conv(channels, k=1, s=2, bn=True, label="proj", name=proj, from_=previous)
                       .add(main, proj, act="relu", name=f"a{index}"))
            else:
                net = net.conv(channels, k=3, p=1, bn=True).add(previous, act="relu", name=f"a{index}")
            previous, index = f"a{index}", index + 1
        net = net.end()
    return net.pool("global", label="avg pool").flatten().dense(1000, "softmax", label="fc 1000")


BUILDERS = {"lenet": lenet, "fcn8": fcn8, "resnet18": resnet18}
