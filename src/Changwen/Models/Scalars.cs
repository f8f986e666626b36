using TorchSharp;

namespace Changwen.Models;

/// <summary>
/// The constant <see cref="Scalar"/>s the models pass to libtorch, made once and kept for the life of the process.
/// </summary>
/// <remarks>
/// Why not write <c>masked_fill(mask, 0)</c>: TorchSharp converts the number to a <see cref="Scalar"/> that nothing
/// references once its native handle has been passed in, so a garbage collection triggered on another thread while
/// libtorch is still reading it (a server answering requests, the finalizer thread) can finalise it and free the
/// native value in use: libtorch then aborts with "invalid tag" or reads garbage. A static field keeps these alive;
/// values that vary per call are made with <c>using var</c>, which keeps them alive to the end of the scope.
/// </remarks>
internal static class Scalars
{
    public static readonly Scalar Zero = 0.ToScalar();
    public static readonly Scalar One = 1.ToScalar();
    public static readonly Scalar MinusOne = (-1).ToScalar();
    public static readonly Scalar NegativeInfinity = double.NegativeInfinity.ToScalar();
}
